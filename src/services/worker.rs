//! The handle of this instance's background work, which every service may hold (in
//! [`super::Context`]) without depending on the sync itself: the instance's lease name, the bell
//! that wakes the sync, the stop signal every background task waits for, and the pages' hints of
//! which account they show.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use tokio::sync::Notify;

use crate::db::users::UserId;

/// How long a page's interest in an account lasts.
pub const SHOWING_SECS: i64 = 300;

/// This instance's sync: its lease name and the bell that wakes it.
#[derive(Clone)]
pub struct SyncHandle {
    pub instance: String,
    bell: Arc<Notify>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
    /// Turns true when the server stops: every background task of the instance ends then (and
    /// lets go of its database connections).
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Per user, the account a page showed last and until when that counts (Unix s).
    showing: Arc<Mutex<HashMap<i64, (String, i64)>>>,
}

impl Default for SyncHandle {
    fn default() -> Self {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        SyncHandle {
            instance: hex::encode(bytes),
            bell: Arc::new(Notify::new()),
            stopped: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            showing: Arc::default(),
        }
    }
}

impl SyncHandle {
    /// Asks the loop to look for work now (a token was attached, a range was asked for).
    pub fn wake(&self) {
        self.bell.notify_one();
    }

    /// Returns once [`Self::wake`] (or [`Self::stop`]) was called.
    pub async fn rung(&self) {
        self.bell.notified().await;
    }

    /// Ends the loop after the round in progress, and every background task waiting in
    /// [`Self::until_stopped`] (the server is stopping).
    pub fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.bell.notify_one();
        self.stopping.send_replace(true);
    }

    /// Returns once [`Self::stop`] was called (at once if it was already).
    pub async fn until_stopped(&self) {
        let mut stopping = self.stopping.subscribe();
        // An error means the handle is gone: nothing is left to wait for either.
        let _ = stopping.wait_for(|stopped| *stopped).await;
    }

    /// A page shows `account` of `user` without all of its range: the account goes first for a
    /// while (this instance only: a hint, not state), and the loop is woken.
    pub fn showing(&self, user: UserId, account: &str, now: i64) {
        if let Ok(mut map) = self.showing.lock() {
            map.retain(|_, (_, until)| *until > now);
            map.insert(user.0, (account.to_owned(), now + SHOWING_SECS));
        }
        self.wake();
    }

    /// The account a page showed last for `user`, while that counts.
    pub fn shown(&self, user: UserId, now: i64) -> Option<String> {
        let map = self.showing.lock().ok()?;
        map.get(&user.0)
            .filter(|(_, until)| *until > now)
            .map(|(account, _)| account.clone())
    }

    /// Whether [`Self::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::SeqCst)
    }
}
