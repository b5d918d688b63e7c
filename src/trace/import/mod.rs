//! Importers for public failure-data layouts, each mapping its rows onto the trace model.
//! See each module for the mapping and the quirks of the real files it handles.

pub mod backblaze;
pub mod fta;
pub mod fta_codes;
pub mod lanl;
pub mod titan;
