//! On-demand hourly prices of common instance types.
//!
//! EC2 has no pricing API of its own (the Price List API is a separate,
//! us-east-1-only service returning very large documents), so sizes carry a
//! price only where it is known here: US East (N. Virginia), Linux, on-demand,
//! in US dollars, as published by AWS. Other regions and types report none.

const US_EAST_1: &[(&str, f64)] = &[
    ("t2.nano", 0.0058),
    ("t2.micro", 0.0116),
    ("t2.small", 0.023),
    ("t2.medium", 0.0464),
    ("t2.large", 0.0928),
    ("t3.nano", 0.0052),
    ("t3.micro", 0.0104),
    ("t3.small", 0.0208),
    ("t3.medium", 0.0416),
    ("t3.large", 0.0832),
    ("t3.xlarge", 0.1664),
    ("t3.2xlarge", 0.3328),
    ("t4g.micro", 0.0084),
    ("t4g.small", 0.0168),
    ("t4g.medium", 0.0336),
    ("m5.large", 0.096),
    ("m5.xlarge", 0.192),
    ("m5.2xlarge", 0.384),
    ("m5.4xlarge", 0.768),
    ("m6i.large", 0.096),
    ("m6i.xlarge", 0.192),
    ("c5.large", 0.085),
    ("c5.xlarge", 0.17),
    ("c5.2xlarge", 0.34),
    ("c6i.large", 0.085),
    ("c6i.xlarge", 0.17),
    ("r5.large", 0.126),
    ("r5.xlarge", 0.252),
    ("r6i.large", 0.126),
];

/// The hourly price of `instance_type` in `region`, when known.
pub(crate) fn hourly(region: &str, instance_type: &str) -> Option<f64> {
    if region != "us-east-1" {
        return None;
    }
    US_EAST_1
        .iter()
        .find(|(t, _)| *t == instance_type)
        .map(|(_, p)| *p)
}
