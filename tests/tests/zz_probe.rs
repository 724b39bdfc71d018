use anchorlink_tests::{TestApp, json};

#[tokio::test]
async fn probe() {
    let app = TestApp::spawn().await;
    app.add_user("a@example.org", "supplier", Some("A Ltd")).await;
    app.add_user("b@example.org", "buyer", Some("B Council")).await;
    app.add_user("root@example.org", "admin", None).await;
    let a = app.sign_in("a@example.org").await;
    let b = app.sign_in("b@example.org").await;
    let root = app.sign_in("root@example.org").await;
    let t = app.token("a@example.org").await;
    let r = app.send_json("POST", "/api/v1/suppliers", &json!({"name":"A Ltd","legal_form":"worker_coop","postcode":"PR1 2HE","cpv":["77314000"],"capability_statement":"Grounds"}), Some(&t)).await;
    println!("post {} {}", r.status, r.body);
    let cases: Vec<(&str, anchorlink_tests::Reply)> = vec![
        ("search-buyer", app.call_fn("/api/search-suppliers", &[("query[q]", "grounds")], Some(&b)).await),
        ("search-sup", app.call_fn("/api/search-suppliers", &[("query[q]", "grounds")], Some(&a)).await),
        ("overview", app.call_fn("/api/admin-overview", &[], Some(&root)).await),
        ("myprofile-unauth", app.call_fn("/api/my-profile", &[], None).await),
        ("page404", app.page("/suppliers/99999", None).await),
        ("page-profile-unauth", app.page("/profile", None).await),
        ("page-admin-sup", app.page("/admin", Some(&a)).await),
        ("signout", app.post_form("/api/sign-out", &[], Some(&a), "/").await),
        ("signin-cookie", app.post_form("/api/sign-in", &[("email","b@example.org"),("password",anchorlink_tests::PASSWORD),("next","")], None, "/login").await),
    ];
    for (name, r) in cases {
        let cookies: Vec<_> = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        println!("{name}: {} {:?} {:?} {}", r.status, r.header("location"), cookies, &r.body[..r.body.len().min(600)]);
    }
}
