//! The integration tests, one binary (as ripgrep does): each module was its own test
//! crate, and each linked resvg, svg2pdf and the library again. Through the public API
//! (`library`, `typography`, `photos`, `pdf`, `sheets`, `hostile`, `review`), the `affiche`
//! binary in temporary folders (`cli`, `workflow`, `preview`, `paths`, `artwork`), a real browser
//! (`gallery_browser`), and the shape of `src/` (`architecture`).

mod architecture;
mod artwork;
mod cli;
mod editors;
mod common;
mod gallery_browser;
mod hostile;
mod http;
mod library;
mod paths;
mod pdf;
mod photos;
mod preview;
mod review;
mod serve;
mod sheets;
mod studio;
mod supporters_page;
mod typography;
mod volunteers;
mod workflow;
