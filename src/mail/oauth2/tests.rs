use std::time::Duration;

use super::*;

fn client() -> Client {
    Client {
        token_url: "https://login.example.test/token".into(),
        client_id: "app".into(),
        client_secret: "s3cret".into(),
        scope: "https://outlook.office365.com/.default".into(),
    }
}

#[test]
fn the_form_names_the_grant_and_the_client() {
    let cc = form(&client(), &Grant::ClientCredentials);
    assert_eq!(
        cc,
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", "app".into()),
            ("client_secret", "s3cret".into()),
            ("scope", "https://outlook.office365.com/.default".into()),
        ]
    );
    let public = Client {
        client_secret: String::new(),
        scope: String::new(),
        ..client()
    };
    let rt = form(&public, &Grant::RefreshToken("1//rt".into()));
    assert_eq!(
        rt,
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", "1//rt".into()),
            ("client_id", "app".into()),
        ],
        "no empty secret or scope is sent"
    );
}

#[test]
fn a_token_answer_gives_the_token_its_lifetime_and_a_rotated_refresh_token() {
    let a = parse_answer(
        200,
        r#"{"access_token":"at1","token_type":"Bearer","expires_in":3599}"#,
    )
    .unwrap();
    assert_eq!(a.access_token, AccessToken::new("at1"));
    assert_eq!(a.lifetime, Duration::from_secs(3599));
    assert_eq!(a.refresh_token, None);
    // Some endpoints send the lifetime as a string; some rotate the refresh token.
    let b = parse_answer(
        200,
        r#"{"access_token":"at2","expires_in":"20","refresh_token":"rt2"}"#,
    )
    .unwrap();
    assert_eq!(b.lifetime, Duration::from_secs(20));
    assert_eq!(b.refresh_token.as_deref(), Some("rt2"));
    let c = parse_answer(200, r#"{"access_token":"at3","refresh_token":""}"#).unwrap();
    assert_eq!(c.lifetime, DEFAULT_LIFETIME);
    assert_eq!(c.refresh_token, None);
}

#[test]
fn an_oauth_error_is_a_refusal_that_says_what_was_refused() {
    let e = parse_answer(
        401,
        r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nTimestamp: 2"}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the token endpoint refused the client: invalid_client (AADSTS7000215: Invalid client secret provided.)"
    );
    let e = parse_answer(
        400,
        r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the token endpoint refused the grant (the refresh token or the consent): invalid_grant (Token has been expired or revoked.)"
    );
    assert_eq!(
        parse_answer(401, r#"{"error":"invalid_client"}"#)
            .unwrap_err()
            .to_string(),
        "the token endpoint refused the client: invalid_client"
    );
    assert!(matches!(
        parse_answer(403, "<html>Forbidden</html>"),
        Err(TokenError::Refused { error, .. }) if error == "HTTP 403"
    ));
}

#[test]
fn a_server_failure_or_throttling_is_temporary() {
    for (status, body) in [
        (500, r#"{"error":"server_error"}"#),
        (503, "Service Unavailable"),
        (429, r#"{"error":"too_many_requests"}"#),
        (200, "not json"),
        (200, r#"{"token_type":"Bearer"}"#),
    ] {
        assert!(
            matches!(parse_answer(status, body), Err(TokenError::Unavailable(_))),
            "{status} {body}"
        );
    }
}

#[test]
fn a_token_is_replaced_a_minute_before_expiry_or_a_quarter_of_a_short_life() {
    assert_eq!(
        refresh_margin(Duration::from_secs(3600)),
        Duration::from_secs(60)
    );
    assert_eq!(
        refresh_margin(Duration::from_secs(20)),
        Duration::from_secs(5)
    );
    assert_eq!(
        refresh_margin(Duration::from_secs(4)),
        Duration::from_secs(1)
    );
    assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let shown = format!("{:?} {:?}", client(), AccessToken::new("at-secret"));
    assert!(
        !shown.contains("s3cret") && !shown.contains("at-secret"),
        "{shown}"
    );
}
