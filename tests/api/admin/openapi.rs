//! `GET /admin/openapi.json` documents every admin route.

use super::admin_get;
use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn the_openapi_document_covers_every_admin_route() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    let (status, document) = admin_get(&app, "/admin/openapi.json").await;

    assert_eq!(status, 200);
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{document}"
    );
    let routes = [
        ("get", "/admin/events"),
        ("get", "/admin/events/{id}"),
        ("post", "/admin/events/{id}/replay"),
        ("post", "/admin/events/replay"),
        ("delete", "/admin/events/{id}/payload"),
        ("get", "/admin/stats"),
        ("get", "/admin/trigger-errors"),
        ("get", "/admin/openapi.json"),
        ("post", "/admin/reconcile"),
        ("get", "/admin/reconcile"),
        ("get", "/admin/reconcile/{id}"),
        ("get", "/admin/spool/quarantine"),
        ("post", "/admin/spool/quarantine/{name}/replay"),
    ];
    let paths = document["paths"].as_object().expect("paths");
    let distinct: std::collections::BTreeSet<&str> = routes.iter().map(|(_, path)| *path).collect();
    assert_eq!(paths.len(), distinct.len(), "{:?}", paths.keys());
    for (method, path) in routes {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(operation["responses"]["401"].is_object(), "{method} {path}");
    }
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for schema in [
        "EventPage",
        "EventDetail",
        "BulkReplayRequest",
        "BulkReplaySummary",
        "Stats",
        "ReconcileRequest",
        "ReconcileRun",
    ] {
        assert!(schemas.contains_key(schema), "{schema} is missing");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
