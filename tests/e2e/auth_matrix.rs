//! The auth matrix: every route of the HTTP API (as template.yaml declares them) against every kind
//! of caller, with the status each must get, all over HTTP against the local API. And the public
//! answers, read as anyone can, hold no e-mail address, user id or token.
//!
//! Each row acts on fixtures of its own where the request changes something (a fresh proposal to
//! withdraw, a fresh team member to remove, a fresh slug to create), so one caller's success never
//! changes the status another caller gets, whatever the order.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use cfp_e2e::fixtures::{event_body, proposal_body, proposal_by, unique_slug};
use cfp_e2e::public_leaks::LeakCheck;
use cfp_e2e::template_routes::{http_api_routes, template_path};
use cfp_e2e::{ApiResponse, Caller, Stack, User, tokens};
use reqwest::Method;
use serde_json::{Value, json};

/// The callers, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The speaker who owns the proposal a route acts on.
    Owner,
    OtherSpeaker,
    /// A reviewer of the event.
    Reviewer,
    /// An organiser of the event (not an admin, not its creator).
    Organiser,
    /// An organiser of another event.
    OtherOrganiser,
    /// In the `admins` group, not on the event's team.
    Admin,
    /// The organiser's own token, expired (signed with the pool's key).
    Expired,
    /// The organiser's claims plus the `admins` group, signed with a key the pool never had.
    Forged,
}

const CALLERS: [Who; 9] = [
    Who::Anonymous,
    Who::Owner,
    Who::OtherSpeaker,
    Who::Reviewer,
    Who::Organiser,
    Who::OtherOrganiser,
    Who::Admin,
    Who::Expired,
    Who::Forged,
];

/// Every route and what each caller gets, columns in [`CALLERS`] order:
/// anonymous, owner, other speaker, reviewer, organiser, other event's organiser, admin, expired
/// token, forged token. Public routes have no authorizer, so API Gateway does not even look at a
/// bad token there.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [u16; 9])] = &[
    //                                                          anon own  oth  rev  org  oOrg adm  exp  forg
    ("POST",   "/events",                                      [401, 403, 403, 403, 403, 403, 201, 401, 401]),
    ("GET",    "/events/{event}",                              [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/events/{event}/team/{userId}",                [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("DELETE", "/events/{event}/team/{userId}",                [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/cfps",                         [401, 201, 201, 201, 201, 201, 201, 401, 401]),
    ("GET",    "/events/{event}/cfps",                         [401, 403, 403, 200, 200, 403, 403, 401, 401]),
    ("GET",    "/me/cfps",                                     [401, 200, 200, 200, 200, 200, 200, 401, 401]),
    ("GET",    "/events/{event}/cfps/{id}",                    [401, 200, 403, 200, 200, 403, 403, 401, 401]),
    ("PATCH",  "/events/{event}/cfps/{id}",                    [401, 200, 403, 403, 403, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/cfps/{id}/withdraw",           [401, 200, 403, 403, 403, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/cfps/{id}/confirm",            [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/cfps/{id}/reject",             [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/cfps/{id}/picture",            [401, 200, 403, 403, 403, 403, 403, 401, 401]),
    ("PUT",    "/events/{event}/schedule",                     [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("GET",    "/events/{event}/schedule/draft",               [401, 403, 403, 403, 200, 403, 403, 401, 401]),
    ("POST",   "/events/{event}/schedule/releases",            [401, 403, 403, 403, 201, 403, 403, 401, 401]),
    ("GET",    "/events/{event}/schedule",                     [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/events/{event}/schedule/export/schedule.json",[200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/events/{event}/schedule/export/schedule.xml", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/events/{event}/schedule/export/schedule.ics", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/events/{event}/talks",                        [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/events/{event}/talks/{talkId}",               [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/openapi.json",                                [200, 200, 200, 200, 200, 200, 200, 200, 200]),
];

/// The released talk's title, and a word of it to search for.
const TALK_TITLE: &str = "Authorization matrices explained";
const TALK_WORD: &str = "matrices";
const TALK_SPEAKER: &str = "Barbara Liskov";

/// One event with a team and a released schedule, the callers, and the event's creator (an admin
/// and organiser kept out of the matrix, who makes the fixtures).
struct World {
    stack: Stack,
    slug: String,
    talk_id: String,
    creator: User,
    owner: User,
    other_speaker: User,
    reviewer: User,
    organiser: User,
    other_organiser: User,
    admin: User,
    expired: String,
    forged: String,
}

async fn set_role(stack: &Stack, slug: &str, by: &User, user_id: &str, role: &str) {
    let response = stack
        .send(
            Method::PUT,
            &format!("/events/{slug}/team/{user_id}"),
            &by.caller(),
            Some(&json!({"role": role})),
            &[],
        )
        .await;
    assert_eq!(
        response.status, 200,
        "making {user_id} {role}: {response:?}"
    );
}

/// A fresh proposal by `speaker`: its id and version.
async fn submit(stack: &Stack, slug: &str, speaker: &User, body: &Value) -> (String, u64) {
    let created = stack
        .post(&format!("/events/{slug}/cfps"), speaker.caller(), body)
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id").to_owned();
    let version = created.json["version"].as_u64().expect("a version");
    (id, version)
}

fn draft(talk_id: &str) -> Value {
    json!({"slots": [{"talkId": talk_id, "room": "Main Hall", "start": "2027-06-10T10:00:00+02:00"}]})
}

impl World {
    async fn build() -> World {
        let stack = Stack::connect().await;
        let creator = stack.admin().await;
        let slug = stack.open_event(&creator).await;
        let other_slug = stack.open_event(&creator).await;
        let owner = stack.user(None).await;
        let other_speaker = stack.user(None).await;
        let reviewer = stack.user(None).await;
        let organiser = stack.user(None).await;
        let other_organiser = stack.user(None).await;
        let admin = stack.admin().await;
        set_role(&stack, &slug, &creator, &organiser.sub, "organiser").await;
        set_role(&stack, &slug, &creator, &reviewer.sub, "reviewer").await;
        set_role(
            &stack,
            &other_slug,
            &creator,
            &other_organiser.sub,
            "organiser",
        )
        .await;

        // A released talk, so the public routes have something to show.
        let (talk_id, _) = submit(
            &stack,
            &slug,
            &owner,
            &proposal_by(TALK_TITLE, TALK_SPEAKER),
        )
        .await;
        // The draft is saved by the organiser named after the event was created, so the schedule
        // has heard of the team change before any row of the matrix runs.
        stack
            .release_searchable_talk(&slug, &talk_id, &creator, &organiser, TALK_WORD)
            .await;

        let mut claims = tokens::claims(&organiser.id_token).expect("claims of a real token");
        let kid = tokens::key_id(&organiser.id_token);
        let now = chrono::Utc::now().timestamp();
        let mut expired_claims = claims.clone();
        expired_claims["iat"] = json!(now - 7200);
        expired_claims["auth_time"] = json!(now - 7200);
        expired_claims["exp"] = json!(now - 60);
        let expired = tokens::sign(&expired_claims, &tokens::local_pool_key(), kid.as_deref());
        claims["cognito:groups"] = json!(["admins"]);
        let forged = tokens::sign(&claims, &tokens::foreign_key(), kid.as_deref());

        World {
            stack,
            slug,
            talk_id,
            creator,
            owner,
            other_speaker,
            reviewer,
            organiser,
            other_organiser,
            admin,
            expired,
            forged,
        }
    }

    fn caller(&self, who: Who) -> Caller {
        match who {
            Who::Anonymous => Caller::Anonymous,
            Who::Owner => self.owner.caller(),
            Who::OtherSpeaker => self.other_speaker.caller(),
            Who::Reviewer => self.reviewer.caller(),
            Who::Organiser => self.organiser.caller(),
            Who::OtherOrganiser => self.other_organiser.caller(),
            Who::Admin => self.admin.caller(),
            Who::Expired => Caller::Token(self.expired.clone()),
            Who::Forged => Caller::Token(self.forged.clone()),
        }
    }

    /// A valid request for `route`, on fixtures of its own where it changes anything, so that its
    /// status says only whether the caller may.
    async fn request(&self, route: &str) -> (Method, String, Option<Value>, Vec<(String, String)>) {
        let slug = &self.slug;
        let fresh = |title: &str| {
            let title = title.to_owned();
            async move { submit(&self.stack, slug, &self.owner, &proposal_body(&title)).await }
        };
        match route {
            "POST /events" => (
                Method::POST,
                "/events".into(),
                Some(event_body(&unique_slug())),
                vec![],
            ),
            "GET /events/{event}" => (Method::GET, format!("/events/{slug}"), None, vec![]),
            "GET /openapi.json" => (Method::GET, "/openapi.json".into(), None, vec![]),
            "PUT /events/{event}/team/{userId}" => {
                let user_id = uuid::Uuid::new_v4();
                (
                    Method::PUT,
                    format!("/events/{slug}/team/{user_id}"),
                    Some(json!({"role": "reviewer"})),
                    vec![],
                )
            }
            "DELETE /events/{event}/team/{userId}" => {
                let user_id = uuid::Uuid::new_v4().to_string();
                set_role(&self.stack, slug, &self.creator, &user_id, "reviewer").await;
                (
                    Method::DELETE,
                    format!("/events/{slug}/team/{user_id}"),
                    None,
                    vec![],
                )
            }
            "POST /events/{event}/cfps" => (
                Method::POST,
                format!("/events/{slug}/cfps"),
                Some(proposal_body("Matrix row")),
                vec![],
            ),
            "GET /events/{event}/cfps" => {
                (Method::GET, format!("/events/{slug}/cfps"), None, vec![])
            }
            "GET /me/cfps" => (Method::GET, "/me/cfps".into(), None, vec![]),
            "GET /events/{event}/cfps/{id}" => {
                let (id, _) = fresh("To read").await;
                (
                    Method::GET,
                    format!("/events/{slug}/cfps/{id}"),
                    None,
                    vec![],
                )
            }
            "PATCH /events/{event}/cfps/{id}" => {
                let (id, version) = fresh("To change").await;
                (
                    Method::PATCH,
                    format!("/events/{slug}/cfps/{id}"),
                    Some(json!({"title": "Changed"})),
                    vec![("if-match".into(), format!("\"{version}\""))],
                )
            }
            "POST /events/{event}/cfps/{id}/withdraw"
            | "POST /events/{event}/cfps/{id}/confirm"
            | "POST /events/{event}/cfps/{id}/reject" => {
                let (id, _) = fresh("To decide").await;
                let action = route.rsplit('/').next().unwrap_or_default();
                (
                    Method::POST,
                    format!("/events/{slug}/cfps/{id}/{action}"),
                    None,
                    vec![],
                )
            }
            "POST /events/{event}/cfps/{id}/picture" => {
                let (id, _) = fresh("To picture").await;
                (
                    Method::POST,
                    format!("/events/{slug}/cfps/{id}/picture"),
                    Some(json!({"contentType": "image/png"})),
                    vec![],
                )
            }
            // The same valid draft every time: saving it again changes nothing anyone sees.
            "PUT /events/{event}/schedule" => (
                Method::PUT,
                format!("/events/{slug}/schedule"),
                Some(draft(&self.talk_id)),
                vec![],
            ),
            "GET /events/{event}/schedule/draft" => (
                Method::GET,
                format!("/events/{slug}/schedule/draft"),
                None,
                vec![],
            ),
            // A release of that same draft: the public schedule stays as it was.
            "POST /events/{event}/schedule/releases" => (
                Method::POST,
                format!("/events/{slug}/schedule/releases"),
                Some(json!({})),
                vec![],
            ),
            "GET /events/{event}/schedule" => (
                Method::GET,
                format!("/events/{slug}/schedule"),
                None,
                vec![],
            ),
            "GET /events/{event}/schedule/export/schedule.json"
            | "GET /events/{event}/schedule/export/schedule.xml"
            | "GET /events/{event}/schedule/export/schedule.ics" => {
                let file = route.rsplit('/').next().unwrap_or_default();
                (
                    Method::GET,
                    format!("/events/{slug}/schedule/export/{file}"),
                    None,
                    vec![],
                )
            }
            "GET /events/{event}/talks" => (
                Method::GET,
                format!("/events/{slug}/talks?q={TALK_WORD}"),
                None,
                vec![],
            ),
            "GET /events/{event}/talks/{talkId}" => (
                Method::GET,
                format!("/events/{slug}/talks/{}", self.talk_id),
                None,
                vec![],
            ),
            other => panic!("the matrix has a row for `{other}` but no request for it"),
        }
    }

    async fn call(&self, route: &str, who: Who) -> ApiResponse {
        let (method, path, body, headers) = self.request(route).await;
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        self.stack
            .send(method, &path, &self.caller(who), body.as_ref(), &headers)
            .await
    }
}

/// What is wrong with `response` as an answer of `expected`, if anything.
fn mismatch(expected: u16, response: &ApiResponse) -> Option<String> {
    if response.status != expected {
        let detail = response.json["detail"]
            .as_str()
            .or(response.json["message"].as_str())
            .map_or_else(
                || {
                    String::from_utf8_lossy(&response.body)
                        .chars()
                        .take(160)
                        .collect()
                },
                str::to_owned,
            );
        return Some(format!(
            "expected {expected}, got {}: {detail}",
            response.status
        ));
    }
    // A 401 comes from the JWT authorizer, before any function runs; a 403 is a function's problem.
    match expected {
        401 if response.json != json!({"message": "Unauthorized"}) => {
            Some(format!("401 not from the authorizer: {:?}", response.json))
        }
        403 if response.json["type"]
            .as_str()
            .is_none_or(|t| !t.ends_with("forbidden")) =>
        {
            Some(format!(
                "403 without the forbidden problem: {:?}",
                response.json
            ))
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let declared = http_api_routes(&template_path()).expect("the template's HttpApi routes");
    let tabled: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(
        tabled.len(),
        MATRIX.len(),
        "a route appears twice in the matrix"
    );
    let declared_keys: BTreeSet<(String, String)> = declared
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let missing: Vec<_> = declared_keys.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "routes of template.yaml missing from the matrix: {missing:?}"
    );
    let stale: Vec<_> = tabled.difference(&declared_keys).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for routes template.yaml lacks: {stale:?}"
    );
    // A route the table calls public must be one the template leaves without an authorizer, and
    // the other way round: the table's 401 columns and the template agree.
    for route in &declared {
        let row = MATRIX
            .iter()
            .find(|(m, p, _)| *m == route.method && *p == route.path)
            .map(|(_, _, row)| row)
            .expect("checked above");
        let anonymous_allowed = row[0] != 401;
        assert_eq!(
            anonymous_allowed, route.public,
            "{route}: the template's authorizer and the table's anonymous column disagree"
        );
    }

    let world = World::build().await;
    let mut failures = Vec::new();
    let mut report = String::new();
    for (method, path, row) in MATRIX {
        let key = format!("{method} {path}");
        let mut got = Vec::new();
        for (who, expected) in CALLERS.iter().zip(row) {
            let response = world.call(&key, *who).await;
            got.push(response.status);
            if let Some(problem) = mismatch(*expected, &response) {
                failures.push(format!("{key} as {who:?}: {problem}"));
            }
        }
        writeln!(report, "{key:<52} {got:?}").expect("writing to a String");
    }
    println!(
        "auth matrix: {} routes x {} callers = {} cells\n{report}",
        MATRIX.len(),
        CALLERS.len(),
        MATRIX.len() * CALLERS.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cells differ from the table:\n{}",
        failures.len(),
        MATRIX.len() * CALLERS.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn public_answers_hold_no_address_user_id_or_token() {
    let world = World::build().await;
    let slug = &world.slug;
    let users = [
        &world.creator,
        &world.owner,
        &world.other_speaker,
        &world.reviewer,
        &world.organiser,
        &world.other_organiser,
        &world.admin,
    ];
    let mut secrets = Vec::new();
    for user in users {
        secrets.extend([
            user.email.clone(),
            user.sub.clone(),
            user.id_token.clone(),
            user.access_token.clone(),
        ]);
    }
    secrets.extend([world.expired.clone(), world.forged.clone()]);
    let check = LeakCheck {
        secrets: &secrets,
        uid_local_parts: std::slice::from_ref(&world.talk_id),
    };

    let public = [
        format!("/events/{slug}"),
        format!("/events/{slug}/schedule"),
        format!("/events/{slug}/schedule?day=2027-06-10&room=Main%20Hall&track=Cloud"),
        format!("/events/{slug}/schedule/export/schedule.json"),
        format!("/events/{slug}/schedule/export/schedule.xml"),
        format!("/events/{slug}/schedule/export/schedule.ics"),
        format!("/events/{slug}/talks/{}", world.talk_id),
        format!("/events/{slug}/talks?q={TALK_WORD}"),
    ];
    let mut leaks = Vec::new();
    // As anyone, and as the speaker and organiser: a public answer does not change with the caller.
    for who in [Who::Anonymous, Who::Owner, Who::Organiser] {
        for path in &public {
            let response = world.stack.get(path, world.caller(who)).await;
            assert_eq!(response.status, 200, "{path} as {who:?}: {response:?}");
            let text = String::from_utf8_lossy(&response.body);
            // The talk is really there, so the absence of the rest means something.
            if !path.ends_with(slug) {
                assert!(
                    text.contains(TALK_TITLE) || text.contains(&world.talk_id),
                    "{path}: the released talk is missing: {text}"
                );
            }
            let mut headers = String::new();
            for (name, value) in &response.headers {
                writeln!(headers, "{name}: {}", value.to_str().unwrap_or_default())
                    .expect("writing to a String");
            }
            for leak in check.leaks(&text).into_iter().chain(check.leaks(&headers)) {
                leaks.push(format!("{path} as {who:?}: {leak}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "public answers leak:\n{}",
        leaks.join("\n")
    );
}
