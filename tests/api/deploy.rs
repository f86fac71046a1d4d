//! The files of `deploy/` (systemd units, the nginx site, Prometheus alert rules, the
//! Grafana dashboard) checked against the app: every metric an alert or a panel names is
//! exported by `/metrics` with the labels it uses, every alert has its runbook section,
//! and the units pass `systemd-analyze verify` where systemd is installed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yaml_rust2::YamlLoader;

use crate::helpers::spawn_app_with;

const TOKEN: &str = "metrics-token-0123456789abcdef";
/// Labels Prometheus adds to every series from the target, not the app.
const TARGET_LABELS: [&str; 2] = ["instance", "job"];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Metric name → label names, from the Prometheus text format.
fn exported(scrape: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in scrape.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let series = line.rsplit_once(' ').map_or(line, |(s, _)| s);
        let (name, labels) = series.split_once('{').unwrap_or((series, ""));
        out.entry(name.to_string()).or_default().extend(
            labels
                .trim_end_matches('}')
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, _)| k.to_string()),
        );
    }
    out
}

/// The `ent_…` metrics an expression names, each with the label names of its matchers,
/// and the labels of its `by (…)` / `without (…)` clauses.
fn names_in(expr: &str) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let chars: Vec<char> = expr.chars().collect();
    let mut metrics = Vec::new();
    let mut grouping = Vec::new();
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    while i < chars.len() {
        if chars[i] == '"' {
            // A string (a label value): skipped whole.
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            i += 1;
            continue;
        }
        if !ident(chars[i]) || (i > 0 && ident(chars[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && ident(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let mut j = i;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let group_of = |from: usize, close: char| -> (Vec<String>, usize) {
            let end = chars[from..].iter().position(|c| *c == close).map_or(chars.len(), |p| from + p);
            let inside: String = chars[from + 1..end].iter().collect();
            (inside.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(), end)
        };
        if (word == "by" || word == "without") && chars.get(j) == Some(&'(') {
            let (labels, end) = group_of(j, ')');
            grouping.extend(labels);
            i = end + 1;
        } else if word.starts_with("ent_") {
            let mut labels = Vec::new();
            if chars.get(i) == Some(&'{') {
                let end = chars[i..].iter().position(|c| *c == '}').map_or(chars.len(), |p| i + p);
                let inside: String = chars[i + 1..end].iter().collect();
                labels = inside
                    .split(',')
                    .filter_map(|m| m.split(['=', '!']).next())
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                i = end + 1;
            }
            metrics.push((word, labels));
        }
    }
    (metrics, grouping)
}

/// Checks one expression against the scrape; returns what it found wrong.
fn check_expr(whose: &str, expr: &str, metrics: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let (named, grouping) = names_in(expr);
    let mut wrong = Vec::new();
    // `up` is Prometheus' own (the scrape itself answered).
    if named.is_empty() && !expr.trim_start().starts_with("up{") {
        wrong.push(format!("{whose}: names no ent_ metric: {expr}"));
    }
    for (name, labels) in &named {
        let Some(has) = metrics.get(name) else {
            wrong.push(format!("{whose}: {name} is not exported"));
            continue;
        };
        for label in labels.iter().chain(grouping.iter()) {
            let histogram_bucket = label == "le" && name.ends_with("_bucket");
            if !has.contains(label) && !histogram_bucket && !TARGET_LABELS.contains(&label.as_str()) {
                wrong.push(format!("{whose}: {name} has no label `{label}` (it has {has:?})"));
            }
        }
    }
    wrong
}

/// The runbook's section anchors, as GitHub makes them from `## Heading` lines.
fn runbook_anchors() -> BTreeSet<String> {
    read("docs/operations.md")
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn alerts_and_the_dashboard_name_only_metrics_the_app_exports() {
    let app = spawn_app_with(&[("METRICS_TOKEN", TOKEN), ("CARD_API_SECRET", "deploy-test-secret")]).await;
    app.seed().await;
    // A little traffic of each kind: updates and Bot API calls, a Kaspi check for an order
    // that does not exist, a card notification with a bad signature.
    let user = app.user(65_001, Some("ru"));
    user.send("/start").await.press("Русский").await;
    let client = reqwest::Client::new();
    let unknown_order = ent_bot::payments::order_number::generate(&mut rand::thread_rng());
    let kaspi = client
        .get(app.http_url(&format!(
            "/payments/kaspi?command=check&txn_id=1&txn_date=20261207120000&account={unknown_order}&sum=5640.00"
        )))
        .send()
        .await
        .unwrap();
    assert!(kaspi.status().is_success());
    let card = client
        .post(app.http_url("/payments/card/check"))
        .header("Content-HMAC", "forged")
        .body("InvoiceId=1&Amount=5640")
        .send()
        .await
        .unwrap();
    assert_eq!(card.status(), reqwest::StatusCode::UNAUTHORIZED);
    let scrape =
        client.get(app.http_url("/metrics")).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    let metrics = exported(&scrape);
    assert!(scrape.contains("ent_ready 1"), "the app is ready:\n{scrape}");
    // The recorder is the process's: other tests in this binary count too, so at least one.
    let counted = |series: &str| {
        scrape
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
            .is_some_and(|n| n >= 1.0)
    };
    assert!(counted(r#"ent_payment_callbacks_total{provider="card",result="refused"} "#), "{scrape}");
    assert!(counted(r#"ent_payment_callbacks_total{provider="kaspi",result="ok"} "#), "{scrape}");
    assert!(scrape.contains(r#"ent_outbox_lag_seconds{lane="transactional"}"#), "{scrape}");
    // Exported before anything was parked (at 0 in a process of its own), so an alert on
    // its increase works from the first one.
    assert!(
        scrape.lines().any(|l| l.starts_with("ent_updates_parked_total ")),
        "alerted counters exist:\n{scrape}"
    );

    let mut wrong = Vec::new();
    // Prometheus rules.
    let rules = YamlLoader::load_from_str(&read("deploy/prometheus/ent-bot.rules.yml")).expect("valid YAML");
    let anchors = runbook_anchors();
    let mut alerts = Vec::new();
    for group in rules[0]["groups"].as_vec().expect("groups") {
        for rule in group["rules"].as_vec().expect("rules") {
            let alert = rule["alert"].as_str().expect("an alert name");
            let expr = rule["expr"].as_str().expect("an expression");
            alerts.push(alert.to_string());
            wrong.extend(check_expr(alert, expr, &metrics));
            assert!(
                matches!(rule["labels"]["severity"].as_str(), Some("page" | "ticket")),
                "{alert}: severity"
            );
            assert!(rule["annotations"]["summary"].as_str().is_some(), "{alert}: summary");
            let runbook = rule["annotations"]["runbook"].as_str().unwrap_or_default();
            let anchor = runbook.strip_prefix("docs/operations.md#").unwrap_or_default();
            assert!(anchors.contains(anchor), "{alert}: no runbook section `{anchor}` in docs/operations.md");
            if let Some(r#for) = rule["for"].as_str() {
                assert!(r#for.ends_with('m') || r#for.ends_with('s'), "{alert}: for {for}");
            } else {
                assert!(rule["for"].is_badvalue(), "{alert}: `for` is a duration");
            }
        }
    }
    for expected in [
        "EntBotParkedUpdates",
        "EntBotInboxGrowing",
        "EntBotTransactionalOutboxLag",
        "EntBotTelegram429",
        "EntBotPaymentCallbacksFailing",
        "EntBotProcessNotReady",
    ] {
        assert!(alerts.iter().any(|a| a == expected), "no {expected} alert");
    }
    // The scrape job the rules name.
    let scrape_config = YamlLoader::load_from_str(&read("deploy/prometheus/scrape.yml")).expect("valid YAML");
    assert_eq!(scrape_config[0]["scrape_configs"][0]["job_name"].as_str(), Some("ent-bot"));

    // Grafana dashboard.
    let dashboard: Value = serde_json::from_str(&read("deploy/grafana/ent-bot.json")).expect("valid JSON");
    let mut panels = 0;
    for panel in dashboard["panels"].as_array().expect("panels") {
        let title = panel["title"].as_str().expect("a title");
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("an expression");
            wrong.extend(check_expr(&format!("panel `{title}`"), expr, &metrics));
        }
        panels += 1;
    }
    assert!(panels >= 10, "{panels} panels");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Every metric the app exports is on the dashboard.
    let dashboard_text = read("deploy/grafana/ent-bot.json");
    for name in metrics.keys().filter(|n| n.starts_with("ent_")) {
        let base = name.trim_end_matches("_bucket").trim_end_matches("_sum").trim_end_matches("_count");
        assert!(dashboard_text.contains(base), "{name} is on no panel");
    }
}

#[test]
fn the_expression_reader_finds_metrics_labels_and_groupings() {
    let (metrics, grouping) = names_in(
        r#"sum by (provider) (increase(ent_payment_callbacks_total{result="error", provider!~"x"}[5m])) > 0 or up{job="ent-bot"}"#,
    );
    assert_eq!(
        metrics,
        vec![("ent_payment_callbacks_total".to_string(), vec!["result".to_string(), "provider".to_string()])]
    );
    assert_eq!(grouping, vec!["provider".to_string()]);
    let scrape = "# HELP x\nent_a{lane=\"bulk\"} 1\nent_b 2\n";
    let metrics = exported(scrape);
    assert_eq!(metrics["ent_a"], BTreeSet::from(["lane".to_string()]));
    assert!(check_expr("t", "ent_a{kind=\"x\"}", &metrics)[0].contains("has no label `kind`"));
    assert!(check_expr("t", "rate(ent_c[1m])", &metrics)[0].contains("ent_c is not exported"));
}

/// The unit as installed, with this test's binary and environment files in place of
/// /usr/local/bin and /etc/ent-bot.
fn installed_unit(dir: &Path) -> PathBuf {
    let unit = read("deploy/systemd/ent-bot@.service")
        .replace("/usr/local/bin/ent-bot", env!("CARGO_BIN_EXE_ent-bot"))
        .replace("/etc/ent-bot/", &format!("{}/", dir.display()));
    std::fs::write(dir.join("ent-bot@.service"), unit).unwrap();
    std::fs::write(dir.join("ent-bot.target"), read("deploy/systemd/ent-bot.target")).unwrap();
    std::fs::write(dir.join("ent-bot.env"), "DATABASE_URL=postgres://localhost/ent_bot\n").unwrap();
    std::fs::write(dir.join("1.env"), read("deploy/systemd/1.env.example")).unwrap();
    dir.join("ent-bot@1.service")
}

#[test]
fn the_systemd_unit_restarts_on_failure_and_is_sandboxed() {
    let unit = read("deploy/systemd/ent-bot@.service");
    for directive in [
        "ExecStart=/usr/local/bin/ent-bot serve",
        "Restart=on-failure",
        "RestartPreventExitStatus=2",
        "EnvironmentFile=/etc/ent-bot/ent-bot.env",
        "EnvironmentFile=-/etc/ent-bot/%i.env",
        "KillSignal=SIGTERM",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "SystemCallFilter=@system-service",
    ] {
        assert!(unit.lines().any(|l| l == directive), "no `{directive}` in the unit");
    }
    // SIGTERM gives in-flight work 10 s; systemd must wait longer before it kills.
    let stop: u64 = unit.lines().find_map(|l| l.strip_prefix("TimeoutStopSec=")).unwrap().parse().unwrap();
    assert!(stop > 10, "TimeoutStopSec={stop}");

    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: the units are not verified");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let instance = installed_unit(dir.path());
    for unit in [instance.clone(), dir.path().join("ent-bot.target")] {
        let out = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&unit).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // verify exits 0 on unknown keys and bad values, and says so on stderr.
        let complaints: Vec<&str> =
            stderr.lines().filter(|l| !l.contains("ent-bot@2.service") && !l.trim().is_empty()).collect();
        assert!(out.status.success() && complaints.is_empty(), "{}: {stderr}", unit.display());
    }
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(dir.path().join("ent-bot@.service"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let exposure: f64 = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for ").nth(1))
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|v| v.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    assert!(exposure <= 2.0, "exposure {exposure}:\n{text}");
}

#[test]
fn the_nginx_site_passes_the_webhook_secret_and_guards_kaspi() {
    let site = read("deploy/nginx/ent-bot.conf");
    let location = |name: &str| -> String {
        // The HTTPS server's, which comes last (port 80 only redirects).
        let start =
            site.rfind(&format!("location {name} {{")).unwrap_or_else(|| panic!("no location {name}"));
        let end = site[start..].find("\n    }").map_or(site.len(), |e| start + e);
        site[start..end].to_string()
    };
    // TLS on PUBLIC_URL, plain HTTP only redirects.
    assert!(site.contains("listen 443 ssl") && site.contains("ssl_certificate "));
    assert!(site.contains("return 301 https://$host$request_uri;"));
    // The chain the bot reads from the right behind TRUSTED_PROXIES: appended, never replaced.
    assert!(site.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"));
    assert!(!site.contains("X-Forwarded-For $remote_addr"));
    // The webhook's secret header is never stripped or overwritten.
    assert!(!site.to_lowercase().contains("x-telegram-bot-api-secret-token \""), "not overwritten");
    assert!(
        !site.contains("underscores_in_headers off;") && !site.contains("proxy_pass_request_headers off")
    );
    let webhook = location("= /telegram/webhook");
    assert!(webhook.contains("proxy_pass http://ent_bot;"));
    assert!(webhook.contains("non_idempotent"), "a stopping process's 503 goes to the other");
    // Kaspi: the allow-list, then nobody else; the same addresses as the bot's.
    let kaspi = location("= /payments/kaspi");
    let allowed: Vec<&str> = kaspi
        .lines()
        .filter_map(|l| l.trim().strip_prefix("allow "))
        .map(|a| a.trim_end_matches(';'))
        .collect();
    assert!(!allowed.is_empty() && kaspi.contains("deny all;"), "{kaspi}");
    let env_line =
        site.lines().find_map(|l| l.split("KASPI_ALLOWED_IPS=").nth(1)).expect("the env the site expects");
    let env_ips: Vec<&str> = env_line.split_whitespace().next().unwrap().split(',').collect();
    assert_eq!(allowed, env_ips, "nginx and KASPI_ALLOWED_IPS list the same addresses");
    // Timeouts for internet clients and towards the processes.
    for directive in [
        "client_header_timeout",
        "client_body_timeout",
        "keepalive_timeout",
        "proxy_read_timeout",
        "proxy_connect_timeout",
    ] {
        assert!(site.contains(&format!("{directive} ")), "no {directive}");
    }
    // /metrics and /healthz are not proxied.
    assert!(!site.contains("location /metrics") && !site.contains("location = /metrics"));
    assert!(location("/").contains("return 404;"));

    // Where nginx is installed, its own parser agrees (the certificate paths aside).
    let Ok(out) = Command::new("nginx").arg("-v").output() else {
        eprintln!("nginx is not installed: the site is not parsed by nginx");
        return;
    };
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=bot.example.kz",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success());
    let site = site
        .replace("/etc/letsencrypt/live/bot.example.kz/fullchain.pem", &cert.display().to_string())
        .replace("/etc/letsencrypt/live/bot.example.kz/privkey.pem", &key.display().to_string());
    let conf = format!(
        "pid {0}/nginx.pid; error_log {0}/error.log; events {{}} http {{ access_log off; {site} }}",
        dir.path().display()
    );
    let path = dir.path().join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let out =
        Command::new("nginx").args(["-t", "-q", "-p"]).arg(dir.path()).arg("-c").arg(&path).output().unwrap();
    assert!(out.status.success(), "nginx -t: {}", String::from_utf8_lossy(&out.stderr));
}
