//! The issues merged pull requests close: GraphQL's `closingIssuesReferences` of the
//! pull requests associated with each commit (REST has no closing references), many
//! commits per query.

use super::GitHub;
use crate::forge::transport::Request;
use crate::forge::{ClosingApi, ClosingReference, ForgeError};
use serde::Deserialize;

/// Commits per query: each is one aliased `object` lookup, well inside GitHub's node
/// limits (5 pull requests × 100 issues).
const BATCH: usize = 50;

#[derive(Deserialize)]
struct Answer {
    data: Option<Data>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Deserialize)]
struct GraphqlError {
    message: String,
}

#[derive(Deserialize)]
struct Data {
    repository: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitNode {
    associated_pull_requests: Option<Connection<PullNode>>,
}

#[derive(Deserialize)]
struct Connection<T> {
    nodes: Vec<Option<T>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PullNode {
    number: u64,
    merged: bool,
    closing_issues_references: Option<Connection<IssueNode>>,
}

#[derive(Deserialize)]
struct IssueNode {
    number: u64,
    repository: RepositoryNode,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryNode {
    name_with_owner: String,
}

/// One query for a batch of commits: `c0`, `c1`, … each a commit by its id, passed as
/// variables (never spliced into the query).
fn query(count: usize) -> String {
    let variables: Vec<String> = (0..count).map(|i| format!("$c{i}: GitObjectID!")).collect();
    let lookups: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "c{i}: object(oid: $c{i}) {{ ... on Commit {{ associatedPullRequests(first: 5) {{ \
                 nodes {{ number merged closingIssuesReferences(first: 100) {{ nodes {{ number \
                 repository {{ nameWithOwner }} }} }} }} }} }} }}"
            )
        })
        .collect();
    format!(
        "query($owner: String!, $name: String!, {}) {{ repository(owner: $owner, name: $name) {{ {} }} }}",
        variables.join(", "),
        lookups.join(" ")
    )
}

#[async_trait::async_trait]
impl ClosingApi for GitHub {
    async fn issues_closed_by_merged_changes(
        &self,
        repo: &str,
        commits: &[String],
    ) -> Result<Vec<ClosingReference>, ForgeError> {
        let Some((owner, name)) = repo.split_once('/') else {
            return Err(ForgeError::Setup(format!(
                "GitHub repository `{repo}` must be written owner/name"
            )));
        };
        let what = format!("GraphQL closing references of the pull requests of {repo}");
        let mut found = Vec::new();
        for batch in commits.chunks(BATCH) {
            let mut variables = serde_json::json!({ "owner": owner, "name": name });
            for (i, sha) in batch.iter().enumerate() {
                variables[format!("c{i}")] = serde_json::Value::String(sha.clone());
            }
            let request = Request::post(&self.graphql_url)
                .what(&what)
                .needs("`pull-requests: read` and `issues: read`")
                .json(&serde_json::json!({ "query": query(batch.len()), "variables": variables }));
            let answer: Answer = self.api.json(&request).await?;
            if !answer.errors.is_empty() {
                return Err(ForgeError::Refused {
                    what,
                    message: answer
                        .errors
                        .iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
            let Some(repository) = answer.data.and_then(|d| d.repository) else {
                return Err(ForgeError::NotFound {
                    what: format!("{what}: the repository"),
                });
            };
            for i in 0..batch.len() {
                let Some(node) = repository.get(&format!("c{i}")).filter(|v| !v.is_null()) else {
                    continue;
                };
                let commit: CommitNode =
                    serde_json::from_value(node.clone()).map_err(|e| ForgeError::Decode {
                        what: what.clone(),
                        message: e.to_string(),
                    })?;
                let pulls = commit
                    .associated_pull_requests
                    .map_or(Vec::new(), |c| c.nodes);
                for pull in pulls.into_iter().flatten().filter(|p| p.merged) {
                    let issues = pull
                        .closing_issues_references
                        .map_or(Vec::new(), |c| c.nodes);
                    for issue in issues.into_iter().flatten() {
                        found.push(ClosingReference {
                            repo: issue.repository.name_with_owner,
                            number: issue.number,
                            change: pull.number,
                        });
                    }
                }
            }
        }
        Ok(found)
    }
}
