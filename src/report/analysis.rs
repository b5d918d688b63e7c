//! Output of `faultline analyze`.
