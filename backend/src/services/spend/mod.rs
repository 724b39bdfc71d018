//! Spend: payment files read in the background as jobs, payees matched to the registry's
//! read model, local shares and LM3. The rules live in `domain::spend`.
