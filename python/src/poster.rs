//! A rendered poster as Python sees it: its file's bytes, format, size and report entry.

use affiche::Rendered;
use affiche::files::Format;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::affiche_error;

/// One poster: `data` (the file's bytes), `format`, `width`, `height` (pixels; a PDF's at
/// 300 dpi) and `report` (font sizes and lines, warnings, variant, alt text).
#[pyclass(module = "affiche", frozen)]
pub struct Poster {
    #[pyo3(get)]
    data: Py<PyBytes>,
    #[pyo3(get)]
    format: &'static str,
    #[pyo3(get)]
    width: u32,
    #[pyo3(get)]
    height: u32,
    #[pyo3(get)]
    report: Py<PyDict>,
}

#[pymethods]
impl Poster {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<affiche.Poster {} {}x{}, {} bytes>",
            self.format,
            self.width,
            self.height,
            self.data.bind(py).as_bytes().len()
        )
    }
}

impl Poster {
    pub fn new(py: Python<'_>, made: Rendered) -> PyResult<Poster> {
        Ok(Poster {
            data: PyBytes::new(py, &made.bytes).unbind(),
            format: format_name(made.format),
            width: made.width,
            height: made.height,
            report: report(py, &made.entry)?.unbind(),
        })
    }
}

/// The format's name, as `format=` takes it.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Png => "png",
        Format::Jpeg => "jpeg",
        Format::Webp { lossless: false } => "webp",
        Format::Webp { lossless: true } => "webp-lossless",
        Format::Pdf => "pdf",
    }
}

/// The report entry as a dict, through its JSON form (the one `report.json` has).
fn report<'py>(py: Python<'py>, entry: &affiche::Entry) -> PyResult<Bound<'py, PyDict>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let json = serde_json::to_string(entry).map_err(|e| affiche_error(py, format!("report: {e}")))?;
    let loads = LOADS.get_or_try_init(py, || py.import("json")?.getattr("loads").map(Bound::unbind))?;
    Ok(loads.bind(py).call1((json,))?.cast_into::<PyDict>()?)
}
