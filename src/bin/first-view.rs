//! The overview alone, for a first visit to `/` (see `tis_status_app::FirstView`).

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(tis_status_app::FirstView);
}
