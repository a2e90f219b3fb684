//! The staff pages' bundle (`/manage`), mounted on its own page.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(tis_status_app::staff::StaffApp);
}
