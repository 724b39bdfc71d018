//! The CPV vocabulary for people choosing codes: finding a code by its words, and
//! "What do you do?" — codes suggested from a plain-language description, each with a
//! reason. Suppliers use it on their profile; buyers when they draft tender lines.

use super::profiles::cpv_view;
use super::views::RegistryViews;
use crate::state::Env;
use domain::registry::dto::{CpvSuggestionView, CpvView};

/// The most suggestions offered at once: more is a list nobody reads.
pub const MAX_SUGGESTIONS: usize = 10;
/// Descriptions longer than this are cut (a pasted page says nothing more about codes).
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// CPV codes whose label or code matches the words typed, best first; then, to fill the
/// list, the codes the procurement thesaurus gives those words, so the finder answers
/// people's words as well as the catalogue's ("tree surgery" finds Tree-cutting services,
/// whose label says neither word).
#[must_use]
pub fn find_codes(env: &Env, views: &RegistryViews, q: &str, limit: usize) -> Vec<CpvView> {
    let q = q.trim();
    let mut codes: Vec<String> = env
        .cpv
        .search(q, limit)
        .into_iter()
        .map(|e| e.code)
        .collect();
    if codes.len() < limit {
        let vocabulary = views.index().engine().vocabulary();
        for s in vocabulary.suggest_cpv(q, limit) {
            if codes.len() >= limit {
                break;
            }
            if !codes.contains(&s.code) {
                codes.push(s.code);
            }
        }
    }
    codes.iter().map(|c| cpv_view(&env.cpv, c)).collect()
}

/// CPV codes a plain-language description names, best first, with the reason for each:
/// the CPV labels it uses and the procurement thesaurus (so "tree surgeon" names
/// Tree-cutting services). Codes in `except` (already chosen or rejected) are left out.
#[must_use]
pub fn suggest_codes(
    env: &Env,
    views: &RegistryViews,
    description: &str,
    except: &[String],
    limit: usize,
) -> Vec<CpvSuggestionView> {
    let text: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
    let limit = limit.min(MAX_SUGGESTIONS);
    let vocabulary = views.index().engine().vocabulary();
    vocabulary
        .suggest_cpv(&text, limit + except.len())
        .into_iter()
        .filter(|s| !except.iter().any(|e| e.trim().starts_with(&s.code)))
        .take(limit)
        .map(|s| CpvSuggestionView {
            cpv: cpv_view(&env.cpv, &s.code),
            reason: s.reason,
        })
        .collect()
}
