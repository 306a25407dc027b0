//! The approval trail of a commit: "List pull requests associated with a commit", the
//! pull request (for `merged_by`), its reviews, and the people's display names.

use super::{GitHub, PAGE_SIZE};
use crate::forge::transport::{Items, Request};
use crate::forge::{ApprovalApi, ForgeError, MergedChange, Person, encode_path};
use serde::Deserialize;

const PULLS_READ: &str = "`pull-requests: read` and `contents: read`";

#[derive(Deserialize)]
struct Account {
    login: String,
}

/// An item of `GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls`.
#[derive(Deserialize)]
struct CommitPull {
    number: u64,
    html_url: String,
    merged_at: Option<String>,
    merge_commit_sha: Option<String>,
    user: Option<Account>,
}

/// `GET /repos/{owner}/{repo}/pulls/{pull_number}`: who merged it.
#[derive(Deserialize)]
struct Pull {
    merged_by: Option<Account>,
}

/// An item of `GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews` (oldest first).
#[derive(Deserialize)]
struct Review {
    user: Option<Account>,
    state: String,
}

/// `GET /users/{username}`: the public profile.
#[derive(Deserialize)]
struct Profile {
    name: Option<String>,
}

/// The reviewers whose last decisive review approved, ordered by that approval: a
/// later "changes requested" or a dismissal takes an approval back, a comment does
/// not.
fn approvers(reviews: Vec<Review>) -> Vec<String> {
    let mut approved: Vec<String> = Vec::new();
    for review in reviews {
        let Some(user) = review.user else { continue };
        match review.state.as_str() {
            "APPROVED" => {
                approved.retain(|u| *u != user.login);
                approved.push(user.login);
            }
            "CHANGES_REQUESTED" | "DISMISSED" => approved.retain(|u| *u != user.login),
            _ => {}
        }
    }
    approved
}

impl GitHub {
    async fn person(&self, login: String) -> Result<Person, ForgeError> {
        let request = Request::get(format!("users/{}", encode_path(&login)))
            .what(format!("GET user {login}"))
            .needs("read access to public profiles");
        // A deleted account (GitHub's `ghost`) keeps its login and loses its profile.
        let name = self
            .api
            .optional::<Profile>(&request)
            .await?
            .and_then(|p| p.name);
        Ok(Person {
            username: login,
            name,
            id: None,
        })
    }
}

#[async_trait::async_trait]
impl ApprovalApi for GitHub {
    async fn merged_change_request(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Option<MergedChange>, ForgeError> {
        let listed = Request::get(GitHub::repo_path(repo, &format!("/commits/{sha}/pulls")))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET pull requests of commit {sha} in {repo}"))
            .needs(PULLS_READ);
        let pulls: Vec<CommitPull> = self.api.pages(&listed, usize::MAX, Items::Array).await?;
        // The one this commit is the merge of; else the first merged one holding it
        // (a rebase merge).
        let merged = |p: &&CommitPull| p.merged_at.is_some();
        let Some(pull) = pulls
            .iter()
            .filter(merged)
            .find(|p| p.merge_commit_sha.as_deref() == Some(sha))
            .or_else(|| pulls.iter().find(merged))
        else {
            return Ok(None);
        };
        let number = pull.number;
        let detail = Request::get(GitHub::repo_path(repo, &format!("/pulls/{number}")))
            .what(format!("GET pull request #{number} of {repo}"))
            .needs(PULLS_READ);
        let reviews = Request::get(GitHub::repo_path(repo, &format!("/pulls/{number}/reviews")))
            .query("per_page", PAGE_SIZE)
            .what(format!("GET reviews of pull request #{number} of {repo}"))
            .needs(PULLS_READ);
        let (detail, reviews) = tokio::join!(
            self.api.json::<Pull>(&detail),
            self.api.pages::<Review>(&reviews, usize::MAX, Items::Array)
        );
        let author = pull.user.as_ref().map_or("ghost", |u| u.login.as_str());
        let author = self.person(author.to_string()).await?;
        let merged_by = match detail?.merged_by {
            Some(account) => Some(self.person(account.login).await?),
            None => None,
        };
        let mut people = Vec::new();
        for login in approvers(reviews?) {
            people.push(self.person(login).await?);
        }
        Ok(Some(MergedChange {
            number,
            url: pull.html_url.clone(),
            author,
            merged_by,
            approvers: people,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_decisive_review_counts() {
        let review = |login: &str, state: &str| Review {
            user: Some(Account {
                login: login.into(),
            }),
            state: state.into(),
        };
        let reviews = vec![
            review("ann", "APPROVED"),
            review("bob", "CHANGES_REQUESTED"),
            review("cid", "APPROVED"),
            review("ann", "COMMENTED"),
            review("bob", "APPROVED"),
            review("cid", "DISMISSED"),
            Review {
                user: None,
                state: "APPROVED".into(),
            },
        ];
        assert_eq!(approvers(reviews), ["ann", "bob"]);
    }
}
