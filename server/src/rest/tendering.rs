//! The tendering context's REST endpoints (`/api/v1/tenders…`: tenders, market depth, lot
//! plans, publishing) will live here, calling `backend::services::tendering`.
