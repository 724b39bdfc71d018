//! The spend context's REST endpoints (`/api/v1/spend/analyses…`) will live here, calling
//! `backend::services::spend`; a payments file is read by a job whose progress page is
//! `/jobs/{id}`.
