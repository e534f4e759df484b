//! A one-shot `setTimeout` that is cancelled when dropped, so a closed
//! source holds no timer. (gloo-timers' `Timeout` works the same way; the
//! crate is not used because it turns on js-sys's `std` feature, which the
//! standalone `no_std` build must avoid.)

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Closure<dyn FnMut()>, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A pending timer; dropping it cancels it. Works in windows and workers.
pub(crate) struct Timeout {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Call `callback` once after `ms` milliseconds (the reconnect machine
    /// clamps delays to the 32-bit range browsers support).
    pub(crate) fn new(ms: f64, callback: impl FnOnce() + 'static) -> Timeout {
        let callback = Closure::once(callback);
        let id = set_timeout(&callback, ms);
        Timeout {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}
