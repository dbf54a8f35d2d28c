//! `cloud lb ...`: load balancers and their members.

use std::net::IpAddr;
use std::time::Duration;

use cloud::{Algorithm, CreateBalancer, Error, LoadBalancer, Member, Protocol, Result};

use super::Context;
use super::compute::print_one;
use crate::cli::LbCommand;
use crate::output::{self, or_dash, outln};
use crate::progress;

/// `ADDRESS:PORT` (IPv6 in brackets) or `node:ID[:PORT]`.
pub fn parse_member(text: &str) -> Result<Member> {
    let bad = || {
        Error::invalid_input(format!(
            "`{text}` is not a member: use ADDRESS:PORT or node:ID[:PORT]"
        ))
    };
    if let Some(rest) = text.strip_prefix("node:") {
        let (id, port) = match rest.rsplit_once(':') {
            Some((id, port)) => (id, Some(port.parse::<u16>().map_err(|_| bad())?)),
            None => (rest, None),
        };
        if id.is_empty() {
            return Err(bad());
        }
        return Ok(Member::node(id, port));
    }
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = host.parse().map_err(|_| bad())?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    Ok(Member::ip(ip, port))
}

const BALANCER_HEADERS: &[&str] = &["id", "name", "state", "ip", "port", "protocol", "algorithm"];

fn balancer_row(b: &LoadBalancer) -> Vec<String> {
    vec![
        b.id.clone(),
        b.name.clone(),
        b.state.to_string(),
        or_dash(b.ip),
        b.port.to_string(),
        or_dash(b.protocol.as_ref()),
        or_dash(b.algorithm),
    ]
}

fn print_balancers(ctx: &Context, balancers: &[LoadBalancer]) -> Result<()> {
    if ctx.json {
        return output::json(balancers);
    }
    let rows: Vec<Vec<String>> = balancers.iter().map(balancer_row).collect();
    output::table(BALANCER_HEADERS, &rows)
}

fn print_members(ctx: &Context, members: &[Member]) -> Result<()> {
    if ctx.json {
        return output::json(members);
    }
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                or_dash(m.ip),
                or_dash(m.port),
                or_dash(m.node_id.as_ref()),
                or_dash(m.weight),
            ]
        })
        .collect();
    output::table(&["id", "ip", "port", "node", "weight"], &rows)
}

pub async fn run(command: LbCommand, ctx: &Context) -> Result<()> {
    let lb = ctx.providers.load_balancers()?;
    match command {
        LbCommand::Ls => {
            output::listing(
                ctx.json,
                BALANCER_HEADERS,
                lb.list_balancers(),
                balancer_row,
            )
            .await
        }
        LbCommand::Show { id } => print_one(ctx, &lb.get_balancer(&id).await?),
        LbCommand::Protocols => {
            let protocols = lb.list_protocols().await?;
            if ctx.json {
                return output::json(&protocols);
            }
            let rows: Vec<Vec<String>> = protocols.iter().map(|p| vec![p.to_string()]).collect();
            output::table(&["protocol"], &rows)
        }
        LbCommand::Algorithms => {
            let algorithms = lb.list_supported_algorithms().await?;
            if ctx.json {
                return output::json(&algorithms);
            }
            let rows: Vec<Vec<String>> = algorithms.iter().map(|a| vec![a.to_string()]).collect();
            output::table(&["algorithm"], &rows)
        }
        LbCommand::Create {
            name,
            port,
            protocol,
            algorithm,
            members,
            wait,
        } => {
            let mut request = CreateBalancer::new(name, port)
                .protocol(Protocol::new(&protocol))
                .algorithm(algorithm.parse::<Algorithm>()?);
            for member in &members {
                request = request.member(parse_member(member)?);
            }
            let mut balancer = lb.create_balancer(&request).await?;
            if wait {
                let spinner = progress::spinner(ctx.progress, "waiting for the balancer to run");
                let result = lb
                    .wait_until_running(
                        &balancer.id,
                        Duration::from_secs(600),
                        Duration::from_millis(500),
                    )
                    .await;
                spinner.finish_and_clear();
                balancer = result?;
            }
            print_balancers(ctx, &[balancer])
        }
        LbCommand::Destroy { id } => {
            lb.destroy_balancer(&id).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "destroyed": id }))
            } else {
                outln!("destroyed {id}")
            }
        }
        LbCommand::Members { id } => print_members(ctx, &lb.list_members(&id).await?),
        LbCommand::Attach { id, member } => {
            let added = lb.attach_member(&id, &parse_member(&member)?).await?;
            print_members(ctx, &[added])
        }
        LbCommand::Detach { id, member_id } => {
            lb.detach_member(&id, &member_id).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "detached": member_id }))
            } else {
                outln!("detached {member_id} from {id}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members() {
        assert_eq!(parse_member("192.0.2.1:80").unwrap().port, Some(80));
        assert_eq!(
            parse_member("[2001:db8::1]:443").unwrap().ip,
            "2001:db8::1".parse().ok()
        );
        assert_eq!(
            parse_member("node:i-123:8080").unwrap().node_id.as_deref(),
            Some("i-123")
        );
        assert_eq!(parse_member("node:i-123").unwrap().port, None);
        for bad in ["192.0.2.1", "host:80", "node:", "1.2.3.4:99999"] {
            assert!(parse_member(bad).is_err(), "{bad}");
        }
    }
}
