// `sqlx::migrate!` embeds migrations/ at compile time, but cargo does not know the macro
// reads that directory: without this, a new migration file alone rebuilds nothing and the
// binary keeps applying the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
