//! Rooms over the REST gateway: the reference's payload, lookups, pagination, validation, and
//! the permission matrix cell by cell (anonymous, stranger, member, administrator, owner ×
//! public, trusted, restricted).

use serde_json::{Value, json};

use crate::harness::{Options, SharedGuard, SharedServer, unique};
use crate::http_support::{Api, create_room, grant, jwt_claims, room_name};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        Some(Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer()))
    })
    .await
}

fn room_path(room: &Value) -> String {
    format!(
        "/api/v1.0/rooms/{}/",
        room["id"].as_str().expect("a room id")
    )
}

#[tokio::test]
async fn rooms_have_the_reference_payload_and_lookups() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let name = room_name("Réunion");
    let created = owner
        .post(
            "/api/v1.0/rooms/",
            &json!({"name": name, "access_level": "trusted", "configuration": {"everyone_can_mute": false}, "callback_id": "ignored"}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], name.as_str());
    assert!(created["slug"].as_str().unwrap().starts_with("reunion-"));
    assert_eq!(created["access_level"], "trusted");
    assert_eq!(
        created["configuration"],
        json!({"everyone_can_mute": false})
    );
    assert!(created.as_object().unwrap().contains_key("pin_code"));
    assert_eq!(created["livekit"]["room"], id.as_str());
    assert!(created["livekit"]["token"].is_string());
    let accesses = created["accesses"].as_array().expect("owners see accesses");
    assert_eq!(accesses.len(), 1);
    assert_eq!(accesses[0]["role"], "owner");
    assert_eq!(accesses[0]["resource"], id.as_str());
    assert_eq!(accesses[0]["user"]["id"], owner.id.as_str());
    for key in ["email", "full_name", "short_name", "timezone", "language"] {
        assert!(
            accesses[0]["user"].get(key).is_some(),
            "nested user lacks {key}"
        );
    }

    // By id without dashes, by slug, and by a non-normalised name.
    let simple = id.replace('-', "");
    let slug = created["slug"].as_str().unwrap();
    for reference in [simple.as_str(), slug, &name.replace(' ', "%20")] {
        let got = owner
            .get(&format!("/api/v1.0/rooms/{reference}/"))
            .await
            .expect(200);
        assert_eq!(got["id"], id.as_str(), "{reference}");
    }
    let missing = Api::anonymous(&server)
        .get(&format!("/api/v1.0/rooms/nothing-{}/", unique()))
        .await
        .expect(404);
    assert_eq!(
        missing,
        json!({"detail": "No Room matches the given query."})
    );

    // `?username=` names anonymous callers in their token.
    let public = create_room(&owner, "open", "public").await;
    let anonymous = Api::anonymous(&server)
        .get(&format!("{}?username=Visitor", room_path(&public)))
        .await
        .expect(200);
    let claims = jwt_claims(anonymous["livekit"]["token"].as_str().unwrap());
    assert_eq!(claims["name"], "Visitor");
    assert_eq!(claims["video"]["room"], public["id"]);
}

#[tokio::test]
async fn creating_and_updating_validate_like_the_reference() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "validator").await;
    let name = room_name("Taken");
    owner
        .post("/api/v1.0/rooms/", &json!({"name": name}))
        .await
        .expect(201);
    let duplicate = owner
        .post("/api/v1.0/rooms/", &json!({"name": name}))
        .await
        .expect(400);
    assert_eq!(
        duplicate,
        json!({"slug": ["Room with this Slug already exists."]})
    );
    let invalid = owner
        .post(
            "/api/v1.0/rooms/",
            &json!({"name": room_name("bad"), "configuration": {"unknown": 1}}),
        )
        .await
        .expect(400);
    assert!(invalid["configuration"].is_array(), "{invalid}");
    let invalid = owner
        .post(
            "/api/v1.0/rooms/",
            &json!({"name": room_name("bad"), "access_level": "open"}),
        )
        .await
        .expect(400);
    assert!(invalid["access_level"].is_array(), "{invalid}");
    let blank = owner
        .post("/api/v1.0/rooms/", &json!({"name": ""}))
        .await
        .expect(400);
    assert!(blank["name"].is_array(), "{blank}");
    // Without a name, an unguessable `abc-defg-hij` slug is the name.
    let random = owner.post("/api/v1.0/rooms/", &json!({})).await.expect(201);
    let slug = random["slug"].as_str().unwrap();
    assert_eq!(slug.len(), 12, "{slug}");
    assert_eq!(random["name"], slug);

    // Renaming recomputes the slug; PUT requires the name; read-only fields are ignored.
    let room = create_room(&owner, "Before", "public").await;
    let renamed = owner
        .patch(
            &room_path(&room),
            &json!({"name": room_name("After"), "slug": "ignored", "id": "ignored"}),
        )
        .await
        .expect(200);
    assert!(renamed["slug"].as_str().unwrap().starts_with("after-"));
    assert_eq!(renamed["id"], room["id"]);
    let put = owner
        .json(
            reqwest::Method::PUT,
            &room_path(&room),
            &json!({"access_level": "restricted"}),
        )
        .await
        .expect(400);
    assert_eq!(put, json!({"name": ["This field is required."]}));
    let put = owner
        .json(
            reqwest::Method::PUT,
            &room_path(&room),
            &json!({"name": room_name("Put"), "access_level": "restricted"}),
        )
        .await
        .expect(200);
    assert_eq!(put["access_level"], "restricted");
}

#[tokio::test]
async fn listing_is_paginated_by_page_number() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "lister").await;
    for what in ["a", "b", "c"] {
        create_room(&owner, what, "restricted").await;
    }
    let first = owner.get("/api/v1.0/rooms/?page_size=2").await.expect(200);
    assert_eq!(first["count"], 3);
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    assert!(first["previous"].is_null());
    let next = first["next"].as_str().expect("a next page");
    assert!(
        next.ends_with("/api/v1.0/rooms/?page=2&page_size=2"),
        "{next}"
    );
    let second = owner
        .get("/api/v1.0/rooms/?page=2&page_size=2")
        .await
        .expect(200);
    assert_eq!(second["results"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null());
    assert!(second["previous"].is_string());
    // Listed rooms carry their token and, for their owner, the accesses.
    let listed = &second["results"][0];
    assert!(listed["livekit"]["token"].is_string());
    assert!(listed["accesses"].is_array());
    owner
        .get("/api/v1.0/rooms/?page=3&page_size=2")
        .await
        .expect(404);
    let anonymous = Api::anonymous(&server)
        .get("/api/v1.0/rooms/")
        .await
        .expect(200);
    assert_eq!(
        anonymous,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
}

#[tokio::test]
async fn the_permission_matrix_holds_over_http() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let administrator = Api::user(&server, "administrator").await;
    let member = Api::user(&server, "member").await;
    let stranger = Api::user(&server, "stranger").await;
    let anonymous = Api::anonymous(&server);

    // (caller, may join: public, trusted, restricted; sees accesses)
    let callers: [(&str, &Api, [bool; 3], bool); 5] = [
        ("anonymous", &anonymous, [true, false, false], false),
        ("stranger", &stranger, [true, true, false], false),
        ("member", &member, [true, true, true], false),
        ("administrator", &administrator, [true, true, true], true),
        ("owner", &owner, [true, true, true], true),
    ];
    for (index, level) in ["public", "trusted", "restricted"].into_iter().enumerate() {
        let room = create_room(&owner, level, level).await;
        grant(&owner, &room, &administrator, "administrator").await;
        grant(&owner, &room, &member, "member").await;
        for (who, api, joins, sees_accesses) in &callers {
            let got = api.get(&room_path(&room)).await.expect(200);
            let object = got.as_object().unwrap();
            let label = format!("{who} on a {level} room: {got}");
            assert_eq!(
                object.contains_key("livekit"),
                joins[index],
                "livekit, {label}"
            );
            assert_eq!(
                object.contains_key("pin_code"),
                joins[index],
                "pin_code, {label}"
            );
            assert_eq!(
                object.contains_key("accesses"),
                *sees_accesses,
                "accesses, {label}"
            );
            if *sees_accesses {
                assert_eq!(got["accesses"].as_array().unwrap().len(), 3, "{label}");
            }
        }

        let update = json!({"configuration": {"max_participants": 10}});
        for (who, api, expected) in [
            ("anonymous", &anonymous, 401),
            ("stranger", &stranger, 403),
            ("member", &member, 403),
            ("administrator", &administrator, 200),
            ("owner", &owner, 200),
        ] {
            let answer = api.patch(&room_path(&room), &update).await;
            assert_eq!(
                answer.status.as_u16(),
                expected,
                "update by {who}: {}",
                answer.body
            );
        }
        for (who, api, expected) in [
            ("anonymous", &anonymous, 401),
            ("stranger", &stranger, 403),
            ("member", &member, 403),
            ("administrator", &administrator, 403),
            ("owner", &owner, 204),
        ] {
            let answer = api.delete(&room_path(&room)).await;
            assert_eq!(
                answer.status.as_u16(),
                expected,
                "delete by {who}: {}",
                answer.body
            );
        }
        owner.get(&room_path(&room)).await.expect(404);
    }
    let refused = anonymous
        .post("/api/v1.0/rooms/", &json!({"name": room_name("nope")}))
        .await
        .expect(401);
    assert_eq!(
        refused,
        json!({"detail": "Authentication credentials were not provided."})
    );
}
