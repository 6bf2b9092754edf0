//! `affiche._affiche`: the native half of the `affiche` Python package (`python/python/affiche`
//! re-exports it). One [`template::Template`] wraps an [`affiche::Studio`]: loaded once, shared
//! by any number of Python threads, rendering with the GIL released.

use pyo3::prelude::*;
use pyo3::types::PyDict;

mod errors;
mod poster;
mod rows;
mod template;

/// The built-in output sizes: `[{"name", "width", "height", "description"}, …]`.
#[pyfunction]
fn presets(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    affiche::PRESETS
        .iter()
        .map(|p| {
            let d = PyDict::new(py);
            d.set_item("name", p.name)?;
            d.set_item("width", p.width)?;
            d.set_item("height", p.height)?;
            d.set_item("description", p.description)?;
            Ok(d)
        })
        .collect()
}

#[pymodule]
fn _affiche(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<template::Template>()?;
    m.add_class::<poster::Poster>()?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    Ok(())
}
