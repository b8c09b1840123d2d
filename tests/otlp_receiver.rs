//! OTLP receiver tests (being written).
