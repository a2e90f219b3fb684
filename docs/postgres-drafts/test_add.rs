
    #[tokio::test]
    async fn a_channel_subscription_hears_status_changes_once_and_pauses_when_every_try_fails() {
        use crate::subscriptions::hooks::NewHook;
        use tis_core::wire::{NewsKind, SubscriptionChannel};
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        let hook = NewHook {
            kind: SubscriptionChannel::Webhook,
            name: "ESR team's system".into(),
            url: "https://esr.example/hooks/tis?code=secret".into(),
            services: vec!["esr".into()],
            kinds: vec![NewsKind::Incidents],
            status_changes: true,
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        };
        // The same URL added on two replicas at once is made once.
        let (one, two) = tokio::join!(
            a.add_channel_subscription(&hook, Change::now("admin")),
            b.add_channel_subscription(&hook, Change::now("admin"))
        );
        let made: Vec<_> = [one.unwrap(), two.unwrap()].into_iter().flatten().collect();
        assert_eq!(made.len(), 1, "one URL once");
        assert_eq!(made[0].url, "https://esr.example/…");

        let down = |service: &str| tis_core::StatusChange {
            service: service.into(),
            at: Utc::now(),
            from: tis_core::Status::Operational,
            to: tis_core::Status::MajorOutage,
            reason: None,
            detail: "connect: 10.0.0.7:443 refused".into(),
        };
        let nothing: crate::store::AlertDecider =
            Box::new(|_| crate::store::AlertPlan::default());
        a.record_status_and_alerts(&[down("esr"), down("bulk-upload")], nothing)
            .await
            .unwrap();
        let waiting = |store: &PgStore| {
            let pool = store.pool().clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT payload FROM outbox WHERE kind = 'subscriber'
                     AND delivered_at IS NULL ORDER BY id",
                )
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        let queued = waiting(&b).await;
        assert_eq!(queued.len(), 1, "ESR only: {queued:?}");
        assert!(queued[0].contains("major_outage"));
        assert!(!queued[0].contains("10.0.0.7"), "the check's words stay with staff");

        b.hook_outcome(made[0].id, Some("esr.example did not answer"), true, Utc::now())
            .await
            .unwrap();
        assert!(waiting(&a).await.is_empty(), "paused: what waited is dropped");
        let nothing: crate::store::AlertDecider =
            Box::new(|_| crate::store::AlertPlan::default());
        a.record_status_and_alerts(&[down("esr")], nothing)
            .await
            .unwrap();
        assert!(waiting(&a).await.is_empty(), "paused: nothing queued");
        let listed = a.channel_subscriptions().await.unwrap();
        assert!(listed[0].paused_at.is_some());
        assert_eq!(listed[0].last_error.as_deref(), Some("esr.example did not answer"));
        let hook_seen = b.subscriber_hook(made[0].id).await.unwrap().unwrap();
        assert_eq!(hook_seen.url, hook.url);

        assert!(b.remove_channel_subscription(made[0].id, Change::now("admin")).await.unwrap().is_some());
        assert!(a.channel_subscriptions().await.unwrap().is_empty());
        let log = format!("{:?}", a.audit_log(10).await.unwrap());
        assert!(log.contains("subscription.add") && log.contains("subscription.remove"));
        assert!(!log.contains("code=secret") && !log.contains("whsec_"), "{log}");
    }
