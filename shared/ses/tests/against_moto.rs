//! The SES adapter against the real SESv2 API (moto in server mode).

use cfp_domain::email::proposal_received;
use cfp_domain::ports::Mailer;
use cfp_domain::{EmailAddress, test_data};
use cfp_local_moto::MotoServer;
use cfp_ses::SesMailer;

async fn sent_messages(moto: &MotoServer) -> Vec<serde_json::Value> {
    let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", moto.endpoint()))
        .await
        .expect("moto's data")
        .json()
        .await
        .expect("moto's data is JSON");
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn sends_subject_text_and_html_from_a_verified_identity() {
    let moto = MotoServer::for_tests().await;
    let client = aws_sdk_sesv2::Client::new(&moto.sdk_config().await);
    client
        .create_email_identity()
        .email_identity("example.org")
        .send()
        .await
        .expect("verifying the sender's domain");
    let mailer = SesMailer::new(client);
    let email = proposal_received(&test_data::proposal());
    let from = EmailAddress::parse("cfp@example.org").expect("sender");

    mailer.send(&from, &email).await.expect("sent");

    let messages = sent_messages(&moto).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["source"], "cfp@example.org");
    assert_eq!(message["subject"], email.subject.as_str());
    assert_eq!(
        message["destinations"]["ToAddresses"][0], "ada@example.org",
        "{message}"
    );
    // moto keeps the HTML part when there is one.
    assert_eq!(message["body"], email.html.as_str());
}

#[tokio::test]
async fn an_unverified_sender_is_a_mail_error_not_a_panic() {
    let moto = MotoServer::for_tests().await;
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&moto.sdk_config().await));
    let email = proposal_received(&test_data::proposal());
    let from = EmailAddress::parse("cfp@unverified.example").expect("sender");

    let result = mailer.send(&from, &email).await;
    let error = result.expect_err("an unverified sender is refused");
    assert!(
        !error.0.contains('@'),
        "addresses are redacted from errors: {error}"
    );
    assert!(sent_messages(&moto).await.is_empty());
}
