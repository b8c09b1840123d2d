//! Test support (feature `testing`): an in-process OTLP receiver.
