//! Pages of the OCDS context: importing another portal's notice (an upload with a preview;
//! large packages run as a job whose progress is `/jobs/{id}`). (To come: see
//! `domain::ocds` and `backend::services::ocds`.)
