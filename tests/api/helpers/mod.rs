//! The test harness. Not every test uses every helper.
#![allow(dead_code, unused_imports)]

pub mod app;
pub mod cluster;
pub mod console;
pub mod db;
pub mod logs;
pub mod smtp;

pub use app::{TestApp, TestUser, spawn_app, spawn_app_with};
