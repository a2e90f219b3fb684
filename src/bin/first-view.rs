//! The overview alone, for a first visit to `/` (see `tis_status_app::FirstView`).

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    tis_status_app::start(tis_status_app::FirstView);
}
