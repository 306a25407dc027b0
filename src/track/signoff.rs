//! Sign-offs: a comment `/signoff PHASE` on the tracking issue by a member of a team
//! the phase names. As in Mozilla's Ship-it, one person fills one sign-off of a phase,
//! however many of its teams they belong to, and signing twice counts once; the
//! release's own writers (the bot that records it) never sign off.
//!
//! Which people fill which sign-off is a matching: with "one of release, one of qa",
//! Alice (in both) and Bob (release only) complete the phase only when Alice counts for
//! qa. The matching here takes sign-offs in the order they were made and lets a later
//! person displace an earlier one to another team when that fills one more.

use super::event::{Signature, SignoffRule};
use super::record::RecordComment;

/// The phase a comment signs off, when it is a sign-off: its first line is
/// `/signoff PHASE`, optionally followed by words of its own.
pub fn signed_phase(body: &str) -> Option<&str> {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let rest = first.strip_prefix("/signoff")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    rest.split_whitespace().next()
}

/// The people who signed off `phase`, each once, in the order of their first sign-off
/// (writers of the release left out).
pub fn signers(comments: &[RecordComment], phase: &str, writers: &[String]) -> Vec<String> {
    let mut sorted: Vec<&RecordComment> = comments.iter().collect();
    sorted.sort_by_key(|c| c.id);
    let mut people: Vec<String> = Vec::new();
    for comment in sorted {
        if signed_phase(&comment.body) != Some(phase)
            || writers
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&comment.author))
            || people
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&comment.author))
        {
            continue;
        }
        people.push(comment.author.clone());
    }
    people
}

/// A person who signed off, with the teams of the phase they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub user: String,
    pub teams: Vec<String>,
}

/// How far a phase's sign-offs are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignoffStatus {
    /// Who counts, and for which team.
    pub counted: Vec<Signature>,
    /// Teams with sign-offs still missing, and how many.
    pub missing: Vec<(String, u32)>,
    /// People who signed off but belong to none of the phase's teams.
    pub outsiders: Vec<String>,
    /// People who signed off, belong to a team, and are not needed (every sign-off of
    /// their teams is filled by others).
    pub extra: Vec<String>,
}

impl SignoffStatus {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// "1 more of acme/qa, 2 more of acme/release".
    pub fn missing_text(&self) -> String {
        self.missing
            .iter()
            .map(|(team, n)| format!("{n} more of {team}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "alice (acme/qa), bob (acme/release)", or "nobody".
    pub fn counted_text(&self) -> String {
        if self.counted.is_empty() {
            return "nobody yet".into();
        }
        self.counted
            .iter()
            .map(|s| format!("{} ({})", s.user, s.team))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Fills the phase's sign-offs with `signers` (in the order they signed).
pub fn evaluate(rules: &[SignoffRule], signers: &[Signer]) -> SignoffStatus {
    // One slot per sign-off needed; slot → index of the signer filling it.
    let slots: Vec<&str> = rules
        .iter()
        .flat_map(|r| std::iter::repeat_n(r.team.as_str(), r.count as usize))
        .collect();
    let mut filled: Vec<Option<usize>> = vec![None; slots.len()];
    let mut outsiders = Vec::new();
    let mut extra = Vec::new();
    for (index, signer) in signers.iter().enumerate() {
        if !slots
            .iter()
            .any(|team| signer.teams.iter().any(|t| t == team))
        {
            outsiders.push(signer.user.clone());
            continue;
        }
        let mut seen = vec![false; slots.len()];
        if !augment(index, signers, &slots, &mut filled, &mut seen) {
            extra.push(signer.user.clone());
        }
    }
    let mut counted: Vec<(usize, Signature)> = filled
        .iter()
        .enumerate()
        .filter_map(|(slot, who)| {
            who.map(|i| {
                (
                    i,
                    Signature {
                        user: signers[i].user.clone(),
                        team: slots[slot].to_string(),
                    },
                )
            })
        })
        .collect();
    counted.sort_by_key(|(i, _)| *i);
    let missing = rules
        .iter()
        .filter_map(|rule| {
            let have = counted.iter().filter(|(_, s)| s.team == rule.team).count() as u32;
            (have < rule.count).then(|| (rule.team.clone(), rule.count - have))
        })
        .collect();
    SignoffStatus {
        counted: counted.into_iter().map(|(_, s)| s).collect(),
        missing,
        outsiders,
        extra,
    }
}

/// Kuhn's augmenting path: gives signer `who` a slot of one of their teams, moving the
/// holder of a slot to another of theirs when that makes room.
fn augment(
    who: usize,
    signers: &[Signer],
    slots: &[&str],
    filled: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for slot in 0..slots.len() {
        if seen[slot] || !signers[who].teams.iter().any(|t| t == slots[slot]) {
            continue;
        }
        seen[slot] = true;
        let free = match filled[slot] {
            None => true,
            Some(holder) => augment(holder, signers, slots, filled, seen),
        };
        if free {
            filled[slot] = Some(who);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(team: &str, count: u32) -> SignoffRule {
        SignoffRule {
            team: team.into(),
            count,
        }
    }

    fn signer(user: &str, teams: &[&str]) -> Signer {
        Signer {
            user: user.into(),
            teams: teams.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn a_sign_off_is_the_first_line_of_a_comment() {
        assert_eq!(signed_phase("/signoff ship"), Some("ship"));
        assert_eq!(
            signed_phase("\n  /signoff ship  looks good\r\nmore"),
            Some("ship")
        );
        assert_eq!(signed_phase("/signoffship"), None);
        assert_eq!(signed_phase("/signoff"), None);
        assert_eq!(signed_phase("please /signoff ship"), None);
        assert_eq!(signed_phase("> /signoff ship"), None);
    }

    #[test]
    fn each_person_counts_once_and_the_writers_never() {
        let comment = |id, author: &str, body: &str| RecordComment {
            id,
            author: author.into(),
            author_id: None,
            created_at: None,
            body: body.into(),
        };
        let comments = [
            comment(3, "bob", "/signoff ship"),
            comment(1, "alice", "/signoff ship"),
            comment(
                2,
                "release-bot",
                "/signoff ship\nto sign off, comment the line above",
            ),
            comment(4, "Alice", "/signoff ship again"),
            comment(5, "carol", "/signoff push"),
        ];
        assert_eq!(
            signers(&comments, "ship", &["release-bot".into()]),
            ["alice", "bob"]
        );
    }

    #[test]
    fn a_person_in_two_teams_fills_the_one_only_they_can() {
        let rules = [rule("acme/release", 1), rule("acme/qa", 1)];
        let status = evaluate(
            &rules,
            &[
                signer("alice", &["acme/release", "acme/qa"]),
                signer("bob", &["acme/release"]),
            ],
        );
        assert!(status.is_complete(), "{status:?}");
        assert_eq!(status.counted_text(), "alice (acme/qa), bob (acme/release)");
        // Alone, Alice fills one sign-off, not two.
        let status = evaluate(&rules, &[signer("alice", &["acme/release", "acme/qa"])]);
        assert_eq!(status.missing_text(), "1 more of acme/qa");
    }

    #[test]
    fn outsiders_and_extra_people_are_told_apart() {
        let status = evaluate(
            &[rule("acme/qa", 1)],
            &[
                signer("mallory", &[]),
                signer("dana", &["acme/qa"]),
                signer("erin", &["acme/qa"]),
            ],
        );
        assert!(status.is_complete());
        assert_eq!(status.outsiders, ["mallory"]);
        assert_eq!(status.extra, ["erin"]);
        let none = evaluate(&[rule("acme/qa", 2)], &[]);
        assert_eq!(none.missing_text(), "2 more of acme/qa");
        assert_eq!(none.counted_text(), "nobody yet");
        assert!(evaluate(&[], &[]).is_complete());
    }
}
