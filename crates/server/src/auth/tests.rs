//! Tests of `auth`.

use super::*;

#[test]
fn a_password_verifies_against_its_hash_and_nothing_else() {
    let hash = hash_password("correct horse battery").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        !hash.contains("correct horse"),
        "the hash holds no clear text"
    );
    assert!(verify_password("correct horse battery", &hash));
    assert!(!verify_password("correct horse batterx", &hash));
    assert!(!verify_password("", &hash));
}

#[test]
fn the_same_password_hashes_differently_each_time() {
    let a = hash_password("twelve chars!").unwrap();
    let b = hash_password("twelve chars!").unwrap();
    assert_ne!(a, b, "salts are random");
    assert!(verify_password("twelve chars!", &a) && verify_password("twelve chars!", &b));
}

#[test]
fn an_unreadable_hash_matches_no_password() {
    assert!(!verify_password("anything at all", "not a hash"));
    assert!(!verify_password("anything at all", ""));
}

#[test]
fn the_dummy_hash_costs_what_a_real_one_does() {
    let dummy = PasswordHash::new(dummy_hash()).unwrap();
    let real_hash = hash_password("another password").unwrap();
    let real = PasswordHash::new(&real_hash).unwrap();
    assert_eq!(dummy.algorithm, real.algorithm);
    assert_eq!(dummy.params, real.params);
}

#[test]
fn tokens_are_random_prefixed_and_stored_as_sha256() {
    let a = new_token().unwrap();
    let b = new_token().unwrap();
    assert_ne!(a, b);
    assert!(a.starts_with("tis_") && a.len() == 4 + 43, "{a}");
    assert!(
        a[4..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
        "URL-safe: {a}"
    );
    let hash = sha256_hex(&a);
    assert_eq!(hash.len(), 64);
    assert_eq!(hash, sha256_hex(&a));
    assert_ne!(hash, sha256_hex(&b));
    // The well-known SHA-256 of "abc", so the hex is the standard one.
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn the_session_id_is_found_among_other_cookies() {
    let mut headers = HeaderMap::new();
    headers.append(
        header::COOKIE,
        "theme=dark; tis_session=abc123".parse().unwrap(),
    );
    assert_eq!(session_id(&headers, false), Some("abc123"));
    let mut headers = HeaderMap::new();
    headers.append(
        header::COOKIE,
        "tis_session_old=x; other=y".parse().unwrap(),
    );
    assert_eq!(session_id(&headers, false), None);
    headers.append(header::COOKIE, "tis_session=".parse().unwrap());
    assert_eq!(
        session_id(&headers, false),
        None,
        "an empty cookie is no session"
    );
    let mut headers = HeaderMap::new();
    headers.append(
        header::COOKIE,
        "tis_session=planted; __Host-tis_session=real"
            .parse()
            .unwrap(),
    );
    assert_eq!(session_id(&headers, true), Some("real"));
    assert_eq!(session_id(&headers, false), Some("planted"));
}

#[test]
fn cookies_are_http_only_strict_and_secure_only_over_https() {
    let plain = session_cookie("id", false);
    assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
    assert!(plain.contains("Path=/") && plain.contains("Max-Age=43200"));
    assert!(!plain.contains("Secure"));
    let secure = session_cookie("id", true);
    assert!(secure.starts_with("__Host-tis_session=id;") && secure.ends_with("; Secure"));
    assert!(clear_session_cookie(true).starts_with("__Host-tis_session=;"));
    assert!(clear_session_cookie(false).contains("Max-Age=0"));
}

#[test]
fn only_equal_csrf_tokens_compare_equal() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(!constant_time_eq(b"", b"abc"));
}

#[test]
fn roles_are_required_with_a_forbidden_naming_the_role() {
    let support = Actor {
        name: "jo".into(),
        role: Role::Support,
        location: None,
    };
    assert!(support.require(Role::Support).is_ok());
    assert!(matches!(
        support.require(Role::Admin),
        Err(AppError::Forbidden { needed: "admin" })
    ));
    let prober = Actor {
        name: "token eu".into(),
        role: Role::Prober,
        location: Some("eu".into()),
    };
    assert!(prober.require(Role::Prober).is_ok());
    assert!(prober.require(Role::Support).is_err());
}
