//! Pages of the spend context: uploading a payments file (its progress is a job's page,
//! `/jobs/{id}`), reviewing matches, and the local-share and LM3 figures. (To come: see
//! `domain::spend` and `backend::services::spend`.)
