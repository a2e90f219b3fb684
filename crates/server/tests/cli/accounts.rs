//! Accounts and tokens as an operator makes them with the CLI, then used over real HTTP:
//! a browser signs in with a cookie, a script writes with a bearer token.

use serde_json::{Value, json};

use crate::helpers::{
    OutputText, Server, add_account, config_at, contains, create_token, planned_maintenance,
    post_session, sign_in, store_bytes, tis_status, tis_status_with_stdin,
};

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn a_support_account_made_with_the_cli_signs_in_and_posts_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = tis_status_with_stdin(
        &[
            "account",
            "add",
            "sam",
            "--role",
            "support",
            "--display-name",
            "Sam Jones",
            "--data",
            data.to_str().unwrap(),
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(added.status.success(), "{}", added.stderr_text());
    let said = String::from_utf8_lossy(&added.stdout);
    assert!(
        said.contains("public pages name what they write \"Sam Jones\""),
        "{said}"
    );
    let config = config_at(dir.path(), "http://127.0.0.1");
    let server = Server::start(&config, &data).await;

    let signed_in = sign_in(&server.url, "Sam", PASSWORD).await;
    let cookie = signed_in.set_cookie.to_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=strict"), "{cookie}");
    assert!(
        !cookie.contains("secure"),
        "plain http public URL: {cookie}"
    );

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/notices", server.url);
    // The cookie alone is not enough: another site could make the browser send it.
    let without_csrf = client
        .post(&url)
        .header("cookie", &signed_in.cookie)
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(without_csrf.status(), 403);
    assert_eq!(
        without_csrf.headers()["content-type"],
        "application/problem+json"
    );

    let posted = client
        .post(&url)
        .header("cookie", &signed_in.cookie)
        .header("x-csrf-token", &signed_in.csrf_token)
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());

    let notices: Value = reqwest::get(format!("{url}?state=upcoming"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = notices.to_string();
    assert!(text.contains("Planned maintenance on Sunday"), "{text}");
    // Readers are told who wrote it by display name, never by login name.
    assert!(text.contains("\"author\":\"Sam Jones\""), "{text}");
    assert!(!text.contains("\"sam\""), "{text}");
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure_and_host_only_and_browsers_are_told_to_keep_to_https()
 {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, "ed", "editor", PASSWORD);
    let config = config_at(dir.path(), "https://status.example.nhs.uk");
    let server = Server::start(&config, &data).await;
    let signed_in = sign_in(&server.url, "ed", PASSWORD).await;
    assert!(
        signed_in.set_cookie.starts_with("__Host-tis_session=")
            && signed_in.set_cookie.contains("; Secure")
            && signed_in.set_cookie.contains("Path=/")
            && !signed_in.set_cookie.contains("Domain"),
        "{}",
        signed_in.set_cookie
    );
    let client = reqwest::Client::new();
    let who = client
        .get(format!("{}/api/v1/session", server.url))
        .header("cookie", &signed_in.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 200);
    assert_eq!(who.headers()["cache-control"], "no-store");
    assert_eq!(
        who.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // A cookie without the prefix, as a page served in clear could plant, is not a session.
    let id = signed_in.cookie.split_once('=').unwrap().1;
    let planted = client
        .get(format!("{}/api/v1/session", server.url))
        .header("cookie", format!("tis_session={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), 401);
}

#[tokio::test]
async fn answers_about_accounts_tokens_and_sessions_are_never_cached_and_plain_http_gets_no_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, "ann", "admin", PASSWORD);
    let server = Server::start(&config_at(dir.path(), "http://127.0.0.1"), &data).await;
    let signed_in = sign_in(&server.url, "ann", PASSWORD).await;
    assert!(signed_in.set_cookie.starts_with("tis_session="));
    let client = reqwest::Client::new();
    for path in ["/api/v1/accounts", "/api/v1/tokens", "/api/v1/session"] {
        let answer = client
            .get(format!("{}{path}", server.url))
            .header("cookie", &signed_in.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
        assert!(
            !answer.headers().contains_key("strict-transport-security"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_token_is_printed_once_works_for_its_role_only_and_only_its_hash_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = create_token(&data, "notices-script", "support");
    assert!(token.starts_with("tis_"), "{token}");
    add_account(&data, "ann", "admin", PASSWORD);

    let bytes = store_bytes(&data);
    assert!(!contains(&bytes, &token), "the token is stored in clear");
    assert!(
        !contains(&bytes, PASSWORD),
        "the password is stored in clear"
    );

    let config = config_at(dir.path(), "http://127.0.0.1");
    let server = Server::start(&config, &data).await;
    let client = reqwest::Client::new();
    // A script needs no CSRF token: nothing a browser sends by itself carries a bearer.
    let posted = client
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&token)
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());

    // Support may post notices but not manage accounts.
    let refused = client
        .get(format!("{}/api/v1/accounts", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("admin"),
        "{problem}"
    );

    let wrong = client
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth("tis_not-a-real-token")
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down_and_the_right_one_is_refused_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, "sam", "support", PASSWORD);
    let server = Server::start(&config_at(dir.path(), "http://127.0.0.1"), &data).await;
    for _ in 0..5 {
        let wrong = post_session(&server.url, "sam", "guess").await;
        assert_eq!(wrong.status(), 401);
    }
    let limited = post_session(&server.url, "sam", PASSWORD).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let problem: Value = limited.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Wait"),
        "{problem}"
    );
}

/// `POST /api/v1/session` from `client`, as a trusted proxy in front of the server says.
async fn sign_in_from(url: &str, client: &str, name: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .header("x-forwarded-for", client)
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .expect("the server answers")
}

#[tokio::test]
async fn a_hundred_wrong_passwords_from_other_clients_do_not_stop_the_person_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_account(&data, "priya.k", "support", PASSWORD);
    let config = crate::helpers::write(
        dir.path(),
        "tis.toml",
        "[server]
public_url = \"http://127.0.0.1\"\ntrusted_proxies = [\"127.0.0.1\"]\n",
    );
    let server = Server::start(&config, &data).await;
    // A stranger guesses from ten addresses, ten times each, all at once and all through
    // the same proxy.
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..100 {
        let url = server.url.clone();
        let client = format!("203.0.113.{}", n % 10);
        guesses.spawn(async move {
            sign_in_from(&url, &client, "priya.k", "guess")
                .await
                .status()
                .as_u16()
        });
    }
    let mut answers = std::collections::BTreeMap::new();
    while let Some(status) = guesses.join_next().await {
        *answers.entry(status.unwrap()).or_insert(0) += 1;
    }
    // 503 is the bounded queue of password checks saying "try again in a moment", which
    // a busy machine may say to some of a hundred guesses at once.
    assert!(
        answers.contains_key(&429) && answers.keys().all(|s| [401, 429, 503].contains(s)),
        "each guessing address is held back after a few tries: {answers:?}"
    );
    // The person, from their own computer behind the same proxy, gets in.
    let own = sign_in_from(&server.url, "198.51.100.7", "priya.k", PASSWORD).await;
    assert_eq!(
        own.status(),
        200,
        "{}",
        own.text().await.unwrap_or_default()
    );
}

#[test]
fn account_add_refuses_a_bad_role_or_a_short_password_and_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();

    let out = tis_status_with_stdin(
        &["account", "add", "sam", "--role", "boss", "--data", data],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    for role in ["support", "editor", "admin"] {
        assert!(err.contains(role), "the allowed roles are named: {err}");
    }

    let out = tis_status_with_stdin(
        &["account", "add", "sam", "--role", "support", "--data", data],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr_text().contains("password"),
        "{}",
        out.stderr_text()
    );

    // Neither attempt left an account behind: the name is still free.
    let out = tis_status_with_stdin(
        &["account", "add", "sam", "--role", "support", "--data", data],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", out.stderr_text());
    let again = tis_status(&[
        "token", "create", "--name", "x", "--role", "nobody", "--data", data,
    ]);
    assert_eq!(again.status.code(), Some(1));
}
