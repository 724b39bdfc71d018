//! Spend: payment files, matching payees to the registry, local shares and LM3.
