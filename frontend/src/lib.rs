//! The browser half: hydrates the islands of the server-rendered pages (`#[island]`
//! components: the CPV type-ahead, "What do you do?", the tender editor's "Add a row", the
//! search filters' apply-on-change) so that they come alive. Everything else on a page is
//! plain HTML that works without it.

// The islands are `#[wasm_bindgen]` exports of the `app` crate: linking it is what brings
// them into this module (nothing here names them; the island script finds them by name).
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
