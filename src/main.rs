//! The public pages' bundle: mounts the app.

fn main() {
    // Panic messages in the console help while developing; in the shipped app the
    // formatting code they need would cost the reader download time.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    tis_status_app::start(tis_status_app::App);
}
