//! verify-release (in progress).

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("x")]
    X,
}
impl VerifyError {
    pub fn is_bad_input(&self) -> bool {
        true
    }
    pub fn location(&self) -> Option<&crate::Location> {
        None
    }
}
