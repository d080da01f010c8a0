//! Users and resource accesses over the REST gateway.

use reqwest::Method;
use serde_json::json;

use crate::harness::{Options, SharedGuard, SharedServer};
use crate::http_support::{Api, create_room, grant};

static SERVER: SharedServer = SharedServer::const_new();

async fn server() -> Option<SharedGuard> {
    crate::harness::shared(&SERVER, || {
        Some(Options::postgres().unwrap_or_else(|| Options::embedded().with_issuer()))
    })
    .await
}

#[tokio::test]
async fn users_read_and_update_only_themselves() {
    let Some(server) = server().await else { return };
    let ana = Api::user(&server, "ana").await;
    let bob = Api::user(&server, "bob").await;
    let anonymous = Api::anonymous(&server);

    let me = ana.get("/api/v1.0/users/me/").await.expect(200);
    let mut keys: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "default_room_access_level",
            "default_room_configuration",
            "email",
            "full_name",
            "id",
            "language",
            "short_name",
            "timezone"
        ]
    );
    assert_eq!(me["full_name"], "ana Tester");
    assert_eq!(me["language"], "en-us");

    let page = ana.get("/api/v1.0/users/").await.expect(200);
    assert_eq!(
        page,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );
    for path in ["/api/v1.0/users/", "/api/v1.0/users/me/"] {
        let refused = anonymous.get(path).await.expect(401);
        assert_eq!(
            refused,
            json!({"detail": "Authentication credentials were not provided."})
        );
    }

    let mine = format!("/api/v1.0/users/{}/", ana.id);
    let updated = ana
        .patch(
            &mine,
            &json!({
                "language": "fr-fr",
                "timezone": "Europe/Paris",
                "default_room_access_level": "restricted",
                "default_room_configuration": {"everyone_can_mute": false},
                "email": "ignored@example.org",
                "full_name": "Ignored",
            }),
        )
        .await
        .expect(200);
    assert_eq!(updated["language"], "fr-fr");
    assert_eq!(updated["timezone"], "Europe/Paris");
    assert_eq!(updated["default_room_access_level"], "restricted");
    assert_eq!(updated["full_name"], "ana Tester");
    // The defaults apply to the next room.
    let room = ana
        .post(
            "/api/v1.0/rooms/",
            &json!({"name": format!("defaults {}", ana.sub)}),
        )
        .await
        .expect(201);
    assert_eq!(room["access_level"], "restricted");
    assert_eq!(room["configuration"], json!({"everyone_can_mute": false}));
    let cleared = ana
        .json(
            Method::PUT,
            &mine,
            &json!({"default_room_access_level": null}),
        )
        .await
        .expect(200);
    assert!(cleared["default_room_access_level"].is_null());

    let invalid = ana
        .patch(
            &mine,
            &json!({"timezone": "Mars/Olympus", "language": "xx"}),
        )
        .await
        .expect(400);
    assert!(
        invalid["timezone"].is_array() || invalid["language"].is_array(),
        "{invalid}"
    );
    let other = bob
        .patch(&mine, &json!({"language": "de-de"}))
        .await
        .expect(403);
    assert_eq!(
        other,
        json!({"detail": "You do not have permission to perform this action."})
    );
    anonymous
        .patch(&mine, &json!({"language": "de-de"}))
        .await
        .expect(401);
    // Not exposed: reading one user, creating or deleting users.
    ana.get(&mine).await.expect(405);
    ana.delete(&mine).await.expect(405);
    ana.post("/api/v1.0/users/", &json!({})).await.expect(405);
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one story: grant, list, read, change, remove
async fn resource_accesses_follow_the_reference_rules() {
    let Some(server) = server().await else { return };
    let owner = Api::user(&server, "owner").await;
    let administrator = Api::user(&server, "administrator").await;
    let member = Api::user(&server, "member").await;
    let newcomer = Api::user(&server, "newcomer").await;
    let anonymous = Api::anonymous(&server);
    let room = create_room(&owner, "accesses", "restricted").await;

    let admin_access = grant(&owner, &room, &administrator, "administrator").await;
    assert_eq!(admin_access["user"], administrator.id.as_str());
    assert_eq!(admin_access["resource"], room["id"]);
    assert_eq!(admin_access["role"], "administrator");
    let mut keys: Vec<&str> = admin_access
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "resource", "role", "user"]);
    let member_access = grant(&administrator, &room, &member, "member").await;

    let body =
        |user: &Api, role: &str| json!({"user": user.id, "resource": room["id"], "role": role});
    // Duplicates, unknown users and rooms, and bad roles are 400s.
    owner
        .post("/api/v1.0/resource-accesses/", &body(&member, "member"))
        .await
        .expect(400);
    let unknown = owner
        .post(
            "/api/v1.0/resource-accesses/",
            &json!({"user": uuid::Uuid::new_v4(), "resource": room["id"], "role": "member"}),
        )
        .await
        .expect(400);
    assert!(unknown["user"].is_array(), "{unknown}");
    let unknown = owner
        .post(
            "/api/v1.0/resource-accesses/",
            &json!({"user": newcomer.id, "resource": uuid::Uuid::new_v4(), "role": "member"}),
        )
        .await
        .expect(400);
    assert!(unknown["resource"].is_array(), "{unknown}");
    let bad_role = owner
        .post("/api/v1.0/resource-accesses/", &body(&newcomer, "admin"))
        .await
        .expect(400);
    assert!(bad_role["role"].is_array(), "{bad_role}");
    let missing = owner
        .post("/api/v1.0/resource-accesses/", &json!({}))
        .await
        .expect(400);
    assert_eq!(missing["user"], json!(["This field is required."]));

    // Who may grant what.
    member
        .post("/api/v1.0/resource-accesses/", &body(&newcomer, "member"))
        .await
        .expect(403);
    administrator
        .post("/api/v1.0/resource-accesses/", &body(&newcomer, "owner"))
        .await
        .expect(403);
    anonymous
        .post("/api/v1.0/resource-accesses/", &body(&newcomer, "member"))
        .await
        .expect(401);

    // Listing: hosts see the room's accesses, members none, anonymous callers 401.
    let listed = owner.get("/api/v1.0/resource-accesses/").await.expect(200);
    assert_eq!(listed["count"], 3);
    let filtered = administrator
        .get(&format!(
            "/api/v1.0/resource-accesses/?resource={}",
            room["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(filtered["count"], 3);
    let none = member.get("/api/v1.0/resource-accesses/").await.expect(200);
    assert_eq!(none["count"], 0);
    anonymous
        .get("/api/v1.0/resource-accesses/")
        .await
        .expect(401);

    // One access.
    let path = format!(
        "/api/v1.0/resource-accesses/{}/",
        member_access["id"].as_str().unwrap()
    );
    let one = administrator.get(&path).await.expect(200);
    assert_eq!(one, member_access);
    member.get(&path).await.expect(404);
    anonymous.get(&path).await.expect(401);

    // Changing roles: only `role` counts.
    let promoted = administrator
        .patch(
            &path,
            &json!({"role": "administrator", "user": newcomer.id, "resource": "ignored"}),
        )
        .await
        .expect(200);
    assert_eq!(promoted["role"], "administrator");
    assert_eq!(promoted["user"], member.id.as_str());
    administrator
        .patch(&path, &json!({"role": "owner"}))
        .await
        .expect(403);
    newcomer
        .patch(&path, &json!({"role": "member"}))
        .await
        .expect(403);
    let put = owner
        .json(Method::PUT, &path, &json!({"role": "member"}))
        .await
        .expect(200);
    assert_eq!(put["role"], "member");
    owner.json(Method::PUT, &path, &json!({})).await.expect(400);

    // Removing: the last owner stays.
    let listed = owner.get("/api/v1.0/resource-accesses/").await.expect(200);
    let owner_access = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "owner")
        .expect("the owner's access")
        .clone();
    let owner_path = format!(
        "/api/v1.0/resource-accesses/{}/",
        owner_access["id"].as_str().unwrap()
    );
    owner.delete(&owner_path).await.expect(403);
    administrator.delete(&owner_path).await.expect(403);
    member.delete(&path).await.expect(403);
    administrator.delete(&path).await.expect(204);
    administrator.delete(&path).await.expect(404);
    owner
        .delete(&format!(
            "/api/v1.0/resource-accesses/{}/",
            admin_access["id"].as_str().unwrap()
        ))
        .await
        .expect(204);
}
