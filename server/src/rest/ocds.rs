//! The OCDS endpoints (`/api/v1/tenders/{id}/ocds`, `/api/v1/tenders/import`) will live
//! here, calling `backend::services::ocds`; large imports run as jobs.
