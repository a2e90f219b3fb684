//! The browser's storage, under one namespace: every key the app keeps is `tis-status:…`,
//! so this site's data is told apart from anything else on the origin and can be
//! cleared together. Storage can be switched off or full; the app then works without it.

/// The namespace of every key.
const NAMESPACE: &str = "tis-status:";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The full key of `name`.
pub fn key(name: &str) -> String {
    format!("{NAMESPACE}{name}")
}

/// The value kept under `name`.
pub fn get(name: &str) -> Option<String> {
    local()?.get_item(&key(name)).ok().flatten()
}

/// Keeps `value` under `name`; false if the browser would not (storage off or full).
pub fn set(name: &str, value: &str) -> bool {
    local().is_some_and(|s| s.set_item(&key(name), value).is_ok())
}

pub fn remove(name: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(&key(name));
    }
}

/// The full keys that start with `full_prefix` (not only in the namespace: keys of
/// older versions may sit outside it).
fn keys_starting(s: &web_sys::Storage, full_prefix: &str) -> Vec<String> {
    let count = s.length().unwrap_or(0);
    (0..count)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(full_prefix))
        .collect()
}

/// Removes every key whose name starts with `prefix` (within the namespace).
pub fn remove_all(prefix: &str) {
    remove_all_raw(&key(prefix));
}

/// Removes every key that starts with `full_prefix`, in the namespace or not.
pub fn remove_all_raw(full_prefix: &str) {
    let Some(s) = local() else {
        return;
    };
    for k in keys_starting(&s, full_prefix) {
        let _ = s.remove_item(&k);
    }
}

/// Whether any key's name starts with `prefix` (within the namespace).
pub fn any(prefix: &str) -> bool {
    local().is_some_and(|s| !keys_starting(&s, &key(prefix)).is_empty())
}

/// The value under `name`, or, once, under `old` (a key from before the namespace),
/// which is then moved to `name`, so nothing kept by an older version is lost.
pub fn get_moved_from(name: &str, old: &str) -> Option<String> {
    if let Some(value) = get(name) {
        return Some(value);
    }
    let s = local()?;
    let value = s.get_item(old).ok().flatten()?;
    if set(name, &value) {
        let _ = s.remove_item(old);
    }
    Some(value)
}
