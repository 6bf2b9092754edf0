//! affiche's errors as the Python package's exceptions (`affiche/_errors.py`): a poster's
//! problem is a `RenderError` naming its row and field; anything else (loading, arguments)
//! an `AfficheError`. Both carry the library's full message.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

// Defined in Python so that they have a plain constructor and documented attributes.
static AFFICHE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static RENDER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// An `AfficheError` saying `message`: a template, campaign or argument that cannot be used.
pub fn affiche_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    match AFFICHE_ERROR.import(py, "affiche._errors", "AfficheError") {
        Ok(class) => PyErr::from_type(class.clone(), message.into()),
        Err(e) => e,
    }
}

/// [`affiche_error`] of a library error (loading).
pub fn load_error(py: Python<'_>, e: &affiche::Error) -> PyErr {
    affiche_error(py, e.to_string())
}

/// A `RenderError` instance for one poster's failure, with its row and field.
pub fn render_error_value<'py>(py: Python<'py>, e: &affiche::Error) -> PyResult<Bound<'py, PyAny>> {
    RENDER_ERROR
        .import(py, "affiche._errors", "RenderError")?
        .call1((e.to_string(), e.row(), e.field()))
}

/// The `RenderError` of one poster's failure, to raise.
pub fn render_error(py: Python<'_>, e: &affiche::Error) -> PyErr {
    match render_error_value(py, e) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}
