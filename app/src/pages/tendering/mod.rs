//! Pages of the tendering context: drafting a tender with its requirement lines, market
//! depth, the lot planner, publishing, and suppliers' opportunities. (To come: see
//! `domain::tendering` and `backend::services::tendering`.)
