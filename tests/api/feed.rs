//! The change feed: every event exactly once and in order under concurrent writers; long-poll;
//! scoping.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::common::cases::{identity, reason};
use crate::common::{TestApp, Tok, problem};

fn raw(t: &Tok) -> String {
    match t {
        Tok::Raw(t) => t.clone(),
        Tok::None => unreachable!(),
    }
}

fn page(base: &str, tok: &str, after: Option<&str>, extra: &str) -> Value {
    let mut url = format!("{base}/api/v1/events?limit=37{extra}");
    if let Some(a) = after {
        url.push_str(&format!("&after={a}"));
    }
    let res = reqwest::blocking::Client::new().get(url).bearer_auth(tok).send().unwrap();
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

#[derive(QueryableByName)]
struct Ev {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

#[test]
fn a_reader_sees_every_event_once_and_in_order_while_8_writers_work() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let base = app.base.clone();
    let clerk = raw(&Tok::clerk("KBH01"));
    let sup = raw(&Tok::supervisor());
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (base, sup, done) = (base.clone(), sup.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen: Vec<(String, i64)> = Vec::new();
            let mut cursor: Option<String> = None;
            // The writers make 96 events; once they are done, read until all are through.
            let mut deadline = None;
            loop {
                if done.load(Ordering::SeqCst) && deadline.is_none() {
                    deadline = Some(Instant::now() + Duration::from_secs(60));
                }
                let p = page(&base, &sup, cursor.as_deref(), "");
                for it in p["items"].as_array().unwrap() {
                    seen.push((it["kind"].as_str().unwrap().to_string(), it["event_id"].as_i64().unwrap()));
                }
                cursor = p["next_cursor"].as_str().map(str::to_string);
                if seen.len() >= 96 || deadline.is_some_and(|d| Instant::now() > d) {
                    return seen;
                }
            }
        })
    };
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (base, clerk) = (base.clone(), clerk.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                for i in 0..4 {
                    let cpr = format!("{:02}{:02}90-{:04}", w + 1, i + 1, w * 10 + i);
                    let c: Value = client
                        .post(format!("{base}/api/v1/cases"))
                        .bearer_auth(&clerk)
                        .json(&json!({"kind": "standard", "applicant": crate::common::cases::applicant(&cpr)}))
                        .send()
                        .unwrap()
                        .json()
                        .unwrap();
                    let id = c["id"].as_str().unwrap();
                    let c: Value = client
                        .post(format!("{base}/api/v1/cases/{id}/identity-check"))
                        .bearer_auth(&clerk)
                        .header("if-match", "\"1\"")
                        .json(&identity(&cpr))
                        .send()
                        .unwrap()
                        .json()
                        .unwrap();
                    assert_eq!(c["version"], 2);
                    client
                        .post(format!("{base}/api/v1/cases/{id}/cancel"))
                        .bearer_auth(&clerk)
                        .header("if-match", "\"2\"")
                        .json(&reason())
                        .send()
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    let expected: Vec<(String, i64)> =
        diesel::sql_query("SELECT 'case' AS kind, id FROM case_events ORDER BY feed_position")
            .load::<Ev>(&mut app.db.conn())
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.id))
            .collect();
    assert_eq!(expected.len(), 8 * 4 * 3);
    assert_eq!(seen, expected, "every event exactly once, in feed order");
}

#[test]
fn a_long_poll_answers_when_an_event_commits_and_empty_pages_keep_the_cursor() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    app.open_case(&clerk, "010190-1234", "standard");
    let first = page(&app.base, &raw(&clerk), None, "");
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let empty = page(&app.base, &raw(&clerk), Some(&cursor), "");
    assert_eq!(empty["items"], json!([]));
    assert_eq!(empty["next_cursor"], cursor.as_str(), "an empty page returns the same cursor");

    let (base, tok, c2) = (app.base.clone(), raw(&clerk), cursor.clone());
    let waiter = std::thread::spawn(move || {
        let started = Instant::now();
        let p = page(&base, &tok, Some(&c2), "&wait=20");
        (p, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    app.open_case(&clerk, "020190-1234", "standard");
    let committed = Instant::now();
    let (p, waited) = waiter.join().unwrap();
    assert_eq!(p["items"].as_array().unwrap().len(), 1, "the new event");
    assert!(waited < Duration::from_secs(20), "answered on the commit, not at the timeout");
    assert!(committed.elapsed() < Duration::from_secs(1), "within a second of the commit");
    problem(app.get("/api/v1/events?wait=31", &clerk), 400);
    problem(app.get("/api/v1/events?limit=501", &clerk), 400);
    problem(app.get("/api/v1/events?after=bogus", &clerk), 400);
}

#[test]
fn a_bank_feed_carries_only_its_own_office() {
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    app.office("DANSKE-0417", "bank_branch");
    let bank = Tok::bank("DANSKE-0417");
    app.open_case(&Tok::clerk("KBH01"), "010190-1234", "standard");
    let own = app.open_case(&bank, "020190-1234", "standard");
    let p = page(&app.base, &raw(&bank), None, "");
    let items = p["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["case_id"], own["id"]);
    assert!(!p.to_string().contains("0101901234") && !p.to_string().contains("020190"), "no CPR in the feed");
    let all = page(&app.base, &raw(&Tok::supervisor()), None, "");
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    problem(app.get("/api/v1/events", &Tok::admin()), 403);
}

/// Events of a transaction held open stay out of the feed, and so do the events of every
/// transaction that started after it and committed meanwhile; once it commits, the reader gets
/// its event first and then the others, each exactly once, in feed order.
#[test]
fn a_transaction_held_open_holds_back_later_commits_and_none_is_skipped() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let sup = raw(&Tok::supervisor());
    let first = app.open_case(&clerk, "010190-1234", "standard");
    let first_id = first["id"].as_str().unwrap().to_string();

    // A writer that takes its transaction id now and commits last.
    let mut held = app.db.conn();
    held.batch_execute(&format!(
        "BEGIN;
         UPDATE cases SET status = 'cancelled', version = 2, closed_at = now() WHERE id = '{first_id}';
         INSERT INTO case_events (case_id, seq, action, from_status, to_status, actor_sub, actor_name, actor_role, request_id)
         VALUES ('{first_id}', 2, 'cancel', 'opened', 'cancelled', 'test', 'Held Open', 'supervisor', 'held-open');"
    ))
    .unwrap();
    // Two later writers commit while it is open.
    let later: Vec<String> = ["020190-1234", "030190-1234"]
        .iter()
        .map(|cpr| app.open_case(&clerk, cpr, "standard")["id"].as_str().unwrap().to_string())
        .collect();

    // The reader gets the first event, and nothing after it while the writer is open.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.is_empty() && Instant::now() < deadline {
        let p = page(&app.base, &sup, cursor.as_deref(), "&wait=1");
        for it in p["items"].as_array().unwrap() {
            seen.push((it["case_id"].as_str().unwrap().to_string(), it["action"].as_str().unwrap().to_string()));
        }
        cursor = p["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, vec![(first_id.clone(), "open".to_string())]);
    for _ in 0..3 {
        let p = page(&app.base, &sup, cursor.as_deref(), "");
        assert_eq!(p["items"], json!([]), "later commits are held back while an earlier writer is open");
        assert_eq!(p["next_cursor"].as_str(), cursor.as_deref());
        std::thread::sleep(Duration::from_millis(100));
    }

    held.batch_execute("COMMIT").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < 4 && Instant::now() < deadline {
        let p = page(&app.base, &sup, cursor.as_deref(), "&wait=1");
        for it in p["items"].as_array().unwrap() {
            seen.push((it["case_id"].as_str().unwrap().to_string(), it["action"].as_str().unwrap().to_string()));
        }
        cursor = p["next_cursor"].as_str().map(str::to_string);
    }
    let open = |id: &str| (id.to_string(), "open".to_string());
    assert_eq!(
        seen,
        vec![open(&first_id), (first_id.clone(), "cancel".to_string()), open(&later[0]), open(&later[1])],
        "the held writer's event first (its transaction began first), then the later ones, none twice"
    );
    #[derive(QueryableByName)]
    struct Case {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        case_id: uuid::Uuid,
    }
    let in_feed_order: Vec<String> = diesel::sql_query("SELECT case_id FROM case_events ORDER BY feed_position")
        .load::<Case>(&mut app.db.conn())
        .unwrap()
        .into_iter()
        .map(|c| c.case_id.to_string())
        .collect();
    assert_eq!(in_feed_order, seen.iter().map(|s| s.0.clone()).collect::<Vec<_>>());
}

/// A database restored into another server starts at smaller transaction ids than its stored
/// positions; `feed_align()` (run by `migrate` and at every start) lifts the feed's base, so a
/// consumer's saved cursor still leads to the events written after the restore.
#[test]
fn after_a_restore_new_events_follow_the_stored_positions() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn();
    app.office("KBH01", "citizen_service_centre");
    let clerk = Tok::clerk("KBH01");
    let sup = raw(&Tok::supervisor());
    let first = app.open_case(&clerk, "010190-1234", "standard");
    let id = first["id"].as_str().unwrap();
    // An event as the old server numbered it: a million transaction ids ahead of this one.
    app.db
        .conn()
        .batch_execute(&format!(
            "INSERT INTO case_events (case_id, seq, action, from_status, to_status, actor_sub, actor_name, actor_role,
                                      request_id, feed_position)
             VALUES ('{id}', 2, 'cancel', 'opened', 'cancelled', 'old', 'Old Server', 'supervisor', 'restored',
                     ((pg_current_xact_id()::text::bigint + 1000000) << 24) | 1)"
        ))
        .unwrap();
    let restored = app.db.query_one("SELECT max(feed_position) AS count FROM case_events");
    assert!(app.db.query_one("SELECT feed_align() AS count") > 0, "the base was raised");
    // The consumer reads up to there.
    let mut cursor = None;
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen < 2 && Instant::now() < deadline {
        let p = page(&app.base, &sup, cursor.as_deref(), "&wait=1");
        seen += p["items"].as_array().unwrap().len();
        cursor = p["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, 2, "the restored events, once the base is aligned");
    app.open_case(&clerk, "020190-1234", "standard");
    assert!(app.db.query_one("SELECT max(feed_position) AS count FROM case_events") > restored);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut after = Vec::new();
    while after.is_empty() && Instant::now() < deadline {
        let p = page(&app.base, &sup, cursor.as_deref(), "&wait=1");
        after = p["items"].as_array().unwrap().clone();
    }
    assert_eq!(after.len(), 1, "the new event follows the saved cursor");
    assert_eq!(after[0]["action"], "open");
}
