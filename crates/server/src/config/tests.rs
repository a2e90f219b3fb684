//! Tests of `config`.

use tis_core::service::HumanDuration;

use super::*;

#[test]
fn the_demo_config_is_valid() {
    let config = Config::demo("http://127.0.0.1:1").unwrap();
    assert_eq!(config.services.len(), 10);
    assert!(config.services.iter().any(|s| s.id == "sign-in"));
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let err = Config::parse(
        "my.toml",
        "[server]\nlisten = \"127.0.0.1:80\"\n[[service]\n",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("my.toml, line 3"), "{text}");
}

#[test]
fn an_unknown_field_names_the_field_and_line() {
    let text = "[[service]]\nid = \"a\"\nname = \"A\"\ngroup = \"G\"\ndescription = \"Does things.\"\ncolour = \"red\"\n";
    let err = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(err.contains("colour"), "{err}");
    assert!(err.contains("line "), "{err}");
}

#[test]
fn an_unknown_dependency_and_a_short_interval_are_both_reported() {
    let text = r#"
[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
depends_on = ["sign-on"]
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "1s"
timeout = "500ms"
"#;
    let err = Config::parse("my.toml", text).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("line 7: service \"bulk-upload\" depends on \"sign-on\""),
        "{text}"
    );
    assert!(
        text.contains("line 12: service \"bulk-upload\", probe 1, field interval: 1s is too often: use 5s or more"),
        "{text}"
    );
}

const ONE_SERVICE: &str = r#"[server]
location = "london"

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."

[[service.probe]]
kind = "http"
url = "https://tis.example/health"
"#;

fn problems_of(probes: &str) -> (String, Vec<Problem>) {
    let text = format!("{ONE_SERVICE}{probes}");
    let err =
        Config::parse_with("tis.toml", &text, &|name| name == "SET_SECRET").expect_err("refused");
    (text, err.problems)
}

/// The text of the line a problem points at.
fn line(text: &str, problem: &Problem) -> String {
    text.lines()
        .nth(problem.line.expect("a line") - 1)
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn each_probe_problem_points_at_the_line_of_its_field() {
    let (text, problems) = problems_of(
        r#"
[[service.probe]]
kind = "ftp"
url = "ftp://tis.example"

[[service.probe]]
kind = "http"
url = "not a url"
interval = "30s"
timeout = "45s"

[[service.probe]]
kind = "oidc"
token_url = "https://auth.example/token"
client_id = "bulk-upload"
client_secret_env = "NOT_SET_ANYWHERE"

[[service.probe]]
kind = "oidc"
token_url = "https://auth.example/token"
client_id = "bulk-upload"
client_secret_env = "SET_SECRET"
then_url = "https://tis.example/api/ping"
interval = "3s"
timeout = "1s"
"#,
    );
    let shown: Vec<(String, String)> = problems
        .iter()
        .map(|p| (line(&text, p), p.message.clone()))
        .collect();
    let expect = [
        (
            "kind = \"ftp\"",
            "probe 2, field kind: \"ftp\" is not a kind of probe",
        ),
        (
            "url = \"not a url\"",
            "probe 3, field url: \"not a url\" is not a web address",
        ),
        (
            "timeout = \"45s\"",
            "probe 3, field timeout: 45s must be shorter than the interval (30s)",
        ),
        (
            "client_secret_env = \"NOT_SET_ANYWHERE\"",
            "probe 4, field client_secret_env: the environment variable NOT_SET_ANYWHERE is not set",
        ),
        (
            "interval = \"3s\"",
            "probe 5, field interval: 3s is too often: use 5s or more",
        ),
    ];
    assert_eq!(shown.len(), expect.len(), "{shown:#?}");
    for ((line, message), (want_line, want)) in shown.iter().zip(expect) {
        assert_eq!(line, want_line, "{message}");
        assert!(message.contains(want), "{message} should say {want}");
    }
}

#[test]
fn a_header_problem_points_at_its_table() {
    let (text, problems) = problems_of(
        "\n[[service.probe]]\nkind = \"http\"\nurl = \"https://tis.example/\"\n[service.probe.headers]\n\"Bad Header\" = \"x\"\n",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(line(&text, &problems[0]), "[service.probe.headers]");
    assert!(
        problems[0].message.contains("headers.Bad Header"),
        "{problems:?}"
    );
}

#[test]
fn server_options_for_locations_are_read_and_checked() {
    let config = Config::parse("tis.toml", ONE_SERVICE).unwrap();
    assert_eq!(config.location(), "london");
    assert_eq!(config.server.down_quorum, 1);
    let text = ONE_SERVICE.replace("location = \"london\"", "location = \"\"\ndown_quorum = 0");
    let err = Config::parse("tis.toml", &text).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert_eq!(err.problems[0].line, Some(3));
    assert_eq!(err.problems[1].line, Some(2));
}

#[test]
fn alert_rules_name_services_by_id_or_group_and_secrets_are_checked() {
    let text = format!(
        "{ONE_SERVICE}\n[[channel]]\nid = \"ops-hook\"\nkind = \"webhook\"\nurl_env = \"HOOK_URL\"\nsecret_env = \"HOOK_SECRET\"\n\n[[alert]]\nchannels = [\"ops-hook\"]\nservices = [\"For admins\"]\nremind_every = \"30m\"\n"
    );
    let env = |url: &'static str, secret: &'static str| {
        move |name: &str| match name {
            "HOOK_URL" => Some(url.to_string()),
            "HOOK_SECRET" => Some(secret.to_string()),
            _ => None,
        }
    };
    let config = Config::parse_env(
        "tis.toml",
        &text,
        &env(
            "https://hooks.example/x",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
    )
    .unwrap();
    assert_eq!(config.alerts[0].services, ["bulk-upload"]);
    assert_eq!(
        config.alerts[0].remind_every,
        Some(HumanDuration::from_secs(1800))
    );
    let err = Config::parse_env(
        "tis.toml",
        &text,
        &env("ftp://hooks.example/secret-path", "not-a-secret"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("HOOK_URL does not hold a usable URL: it starts with ftp"),
        "{err}"
    );
    assert!(
        !err.contains("secret-path"),
        "the URL is a secret and never echoed: {err}"
    );
    assert!(err.contains("HOOK_SECRET must hold whsec_"), "{err}");
}

#[test]
fn a_tls_probe_is_accepted() {
    let text = format!(
        "{ONE_SERVICE}\n[[service.probe]]\nkind = \"tls\"\nhost = \"tis.example\"\nwarn_days = 21\n"
    );
    let config = Config::parse("tis.toml", &text).unwrap();
    match &config.services[0].probes[1].kind {
        ProbeKind::Tls {
            port,
            warn_days,
            warn_publicly,
            ..
        } => assert_eq!((*port, *warn_days, *warn_publicly), (443, 21, false)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn trusted_proxies_take_addresses_and_ranges_and_name_a_bad_one() {
    let config = Config::parse(
        "tis.toml",
        "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.168.1.20\"]\n",
    )
    .unwrap();
    let ip: std::net::IpAddr = "192.168.1.20".parse().unwrap();
    assert!(config.server.trusted_proxies[1].contains(&ip));
    let err = Config::parse(
        "tis.toml",
        "[server]\ntrusted_proxies = [\"proxy.local\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 2") && err.contains("trusted_proxies: \"proxy.local\""),
        "{err}"
    );
}

const TCP_SERVICE: &str = r#"
[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
"#;

#[test]
fn canaries_are_read_with_their_defaults() {
    let text = format!(
        "{TCP_SERVICE}\n[[canary]]\nkind = \"tcp\"\nname = \"the TIS front door\"\nhost = \"tis.example\"\nport = 443\n\n[[canary]]\nkind = \"http\"\nurl = \"https://gateway.tis.example/\"\ntimeout = \"2s\"\n"
    );
    let config = Config::parse("my.toml", &text).unwrap();
    assert_eq!(config.canaries.len(), 2);
    assert_eq!(
        config.canaries[0].label(),
        "the TIS front door (tis.example:443)"
    );
    assert_eq!(config.canaries[0].timeout, HumanDuration::from_secs(3));
    assert_eq!(config.canaries[1].timeout, HumanDuration::from_secs(2));
    assert!(
        Config::parse("my.toml", TCP_SERVICE)
            .unwrap()
            .canaries
            .is_empty()
    );
}

#[test]
fn a_canary_problem_names_the_file_line_and_field() {
    let text = format!(
        "{TCP_SERVICE}[[canary]]\nkind = \"tcp\"\nhost = \"tis.example\"\n\n[[canary]]\nkind = \"http\"\nurl = \"ftp://tis.example/\"\n\n[[canary]]\nkind = \"udp\"\n"
    );
    let err = Config::parse("my.toml", &text).unwrap_err();
    let shown = err.to_string();
    assert_eq!(err.problems.len(), 3, "{shown}");
    assert!(
        shown.contains("my.toml, line 11: canary 1, field port: is missing: add port = 5432"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "my.toml, line 17: canary 2, field url: \"ftp://tis.example/\" starts with ftp"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "line 20: canary 3, field kind: \"udp\" is not a kind of canary: use tcp or http"
        ),
        "{shown}"
    );
}

#[test]
fn without_a_store_table_the_sqlite_file_is_used_and_a_url_chooses_postgres() {
    let config = Config::parse("my.toml", "[server]\n").unwrap();
    assert_eq!(config.store.choice(), Ok(StoreChoice::Sqlite));
    let text = "[store]\nurl = \"postgres://tis@db.internal:5432/tis_status\"\n";
    let config = Config::parse("my.toml", text).unwrap();
    assert_eq!(
        config.store.choice(),
        Ok(StoreChoice::Postgres(
            "postgres://tis@db.internal:5432/tis_status".into()
        ))
    );
}

#[test]
fn store_mistakes_name_the_line_the_field_and_what_to_do() {
    let text =
        "[server]\nlisten = \"127.0.0.1:80\"\n\n[store]\nurl = \"postgres://tis:hunter2@db/tis\"\n";
    let err = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(
        err.contains("my.toml, line 5: [store] url: holds a password"),
        "{err}"
    );
    assert!(
        err.contains("url_env"),
        "says where the password goes: {err}"
    );
    assert!(
        !err.contains("hunter2"),
        "the password is not repeated: {err}"
    );

    let text = "[store]\nurl = \"mysql://db/tis\"\n";
    let err = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(
        err.contains("line 2: [store] url: must start with postgres://"),
        "{err}"
    );

    let text = "[store]\nurl_env = \"TIS_DB_URL\"\n";
    let err = Config::parse_env("my.toml", text, &|_| None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2: [store] url_env: the environment variable TIS_DB_URL is not set"),
        "{err}"
    );
    let ok = Config::parse_env("my.toml", text, &|name| {
        (name == "TIS_DB_URL").then(|| "postgres://tis:secret@db/tis".to_string())
    });
    assert!(ok.is_ok(), "a password belongs in the variable");

    let text = "[store]\nurl = \"postgres://db/tis\"\nurl_env = \"TIS_DB_URL\"\n";
    let err = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(
        err.contains("line 3: [store] url_env: give url or url_env, not both"),
        "{err}"
    );

    let text = "[store]\nhost = \"db\"\n";
    let err = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(err.contains("host") && err.contains("line 2"), "{err}");
}

#[test]
fn a_bad_send_rate_names_the_file_line_and_field_and_says_how_to_write_it() {
    let text = "[server]\npublic_url = \"https://status.example\"\n\n[smtp]\nhost = \"127.0.0.1\"\nfrom = \"TIS Status <status@example.nhs.uk>\"\n\n[subscriptions]\nsend_rate = \"10 a second\"\n";
    let shown = Config::parse("my.toml", text).unwrap_err().to_string();
    assert!(shown.contains("my.toml, line 9"), "{shown}");
    assert!(shown.contains("send_rate"), "{shown}");
    assert!(shown.contains("like \"10/s\""), "{shown}");
    let good = text.replace("10 a second", "600/min");
    let config = Config::parse("my.toml", &good).unwrap();
    let rate = config.subscriptions.unwrap().send_rate;
    assert_eq!(rate.per_second(), 10.0);
}
