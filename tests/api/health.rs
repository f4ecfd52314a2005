use crate::common::{TestApp, problem};

#[test]
fn healthz_and_readyz_answer_ok() {
    let app = TestApp::spawn();
    let res = app.client.get(app.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().unwrap()["status"], "ok");
    let res = app.client.get(app.url("/readyz")).send().unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn readyz_turns_503_when_the_database_goes_away() {
    let app = TestApp::spawn();
    assert_eq!(app.client.get(app.url("/readyz")).send().unwrap().status(), 200);
    app.db.drop_now();
    let res = app.client.get(app.url("/readyz")).send().unwrap();
    assert!(res.headers().get("retry-after").is_some(), "Retry-After on 503");
    let body = problem(res, 503);
    assert_eq!(body["kind"], "database_unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.client.get(app.url("/healthz")).send().unwrap().status(), 200);
}

#[test]
fn readyz_is_503_when_the_database_was_never_reachable() {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    let app = TestApp::spawn_with(&[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")]);
    let res = app.client.get(app.url("/readyz")).send().unwrap();
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
    problem(res, 503);
}
