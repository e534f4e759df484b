//! Off wasm32 there is no browser to fetch with, so no source opens:
//! [`open`] and [`open_stream`] say so, and [`Source`], which an
//! [`EventSource`](super::EventSource) holds, has no values at all. The
//! Rust API's types still compile, for the server side of full-stack apps.

use alloc::string::String;
use core::task::{Context, Poll};

use super::{BuildError, Builder, SourceEvent};
use crate::reconnect::ReadyState;

/// [`Builder::build`](super::Builder::build).
pub(super) fn open(_: Builder) -> Result<Source, BuildError> {
    Err(BuildError::UnsupportedTarget)
}

/// [`EventSource::from_readable_stream`](super::EventSource::from_readable_stream).
pub(super) fn open_stream(_: &web_sys::ReadableStream) -> Result<Source, BuildError> {
    Err(BuildError::UnsupportedTarget)
}

/// An open source, of which there is none off wasm32.
pub(super) enum Source {}

impl Source {
    pub(super) fn url(&self) -> &str {
        match *self {}
    }

    pub(super) fn with_credentials(&self) -> bool {
        match *self {}
    }

    pub(super) fn ready_state(&self) -> ReadyState {
        match *self {}
    }

    pub(super) fn last_event_id(&self) -> String {
        match *self {}
    }

    pub(super) fn reconnection_time(&self) -> f64 {
        match *self {}
    }

    pub(super) fn reset(&self) {
        match *self {}
    }

    pub(super) fn close(&self) {
        match *self {}
    }

    pub(super) fn poll_next(&mut self, _: &mut Context<'_>) -> Poll<Option<SourceEvent>> {
        match *self {}
    }

    pub(super) fn size_hint(&self) -> (usize, Option<usize>) {
        match *self {}
    }

    pub(super) fn is_terminated(&self) -> bool {
        match *self {}
    }
}
