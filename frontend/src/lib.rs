//! The browser half: hydrates the server-rendered pages so that controls which need
//! JavaScript (the CPV type-ahead, live search) come alive. Everything works without it.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
