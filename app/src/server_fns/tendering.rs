//! Server functions of the tendering context (drafting tenders, market depth, lot plans,
//! publishing, opportunities) will live here, calling `backend::services::tendering`.
