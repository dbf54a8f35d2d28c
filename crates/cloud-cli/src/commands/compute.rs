//! `cloud compute ...`: nodes and what they are made from.

use std::time::Duration;

use cloud::{Compute, CreateNode, Node, Result};

use super::Context;
use crate::cli::ComputeCommand;
use crate::output::{self, or_dash, size};
use crate::progress;

fn node_rows(nodes: &[Node]) -> Vec<Vec<String>> {
    nodes
        .iter()
        .map(|n| {
            vec![
                n.id.clone(),
                n.name.clone(),
                n.state.to_string(),
                or_dash(n.public_ips.first()),
                or_dash(n.private_ips.first()),
                or_dash(n.size.as_ref()),
                or_dash(n.image.as_ref()),
            ]
        })
        .collect()
}

fn print_nodes(ctx: &Context, nodes: &[Node]) -> Result<()> {
    if ctx.json {
        return output::json(nodes);
    }
    output::table(
        &[
            "id",
            "name",
            "state",
            "public ip",
            "private ip",
            "size",
            "image",
        ],
        &node_rows(nodes),
    );
    Ok(())
}

async fn wait(ctx: &Context, compute: &Compute, ids: &[String], timeout: u64) -> Result<Vec<Node>> {
    let spinner = progress::spinner(
        ctx.progress,
        &format!("waiting for {} node(s) to run", ids.len()),
    );
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let result = compute
        .wait_until_running(
            &refs,
            Duration::from_secs(timeout),
            Duration::from_millis(500),
        )
        .await;
    spinner.finish_and_clear();
    result
}

pub async fn run(command: ComputeCommand, ctx: &Context) -> Result<()> {
    let compute = ctx.providers.compute()?;
    match command {
        ComputeCommand::Ls => print_nodes(ctx, &compute.list_nodes_vec().await?),
        ComputeCommand::Sizes => {
            let sizes = compute.list_sizes().await?;
            if ctx.json {
                return output::json(&sizes);
            }
            let rows: Vec<Vec<String>> = sizes
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        or_dash(s.vcpus),
                        size(s.ram_mib * 1024 * 1024),
                        format!("{} GB", s.disk_gb),
                        or_dash(s.price_per_hour.map(|p| format!("${p:.4}/h"))),
                    ]
                })
                .collect();
            output::table(&["id", "vcpus", "ram", "disk", "price"], &rows);
            Ok(())
        }
        ComputeCommand::Images => {
            let images = compute.list_images_vec().await?;
            if ctx.json {
                return output::json(&images);
            }
            let rows: Vec<Vec<String>> = images
                .iter()
                .map(|i| vec![i.id.clone(), i.name.clone()])
                .collect();
            output::table(&["id", "name"], &rows);
            Ok(())
        }
        ComputeCommand::Locations => {
            let locations = compute.list_locations().await?;
            if ctx.json {
                return output::json(&locations);
            }
            let rows: Vec<Vec<String>> = locations
                .iter()
                .map(|l| vec![l.id.clone(), l.name.clone(), or_dash(l.country.as_ref())])
                .collect();
            output::table(&["id", "name", "country"], &rows);
            Ok(())
        }
        ComputeCommand::Create {
            name,
            size,
            image,
            location,
            key_pair,
            tags,
            wait: wait_for_it,
            timeout,
        } => {
            let mut request = CreateNode::new(name, size, image);
            if let Some(l) = location {
                request = request.location(l);
            }
            if let Some(k) = key_pair {
                request = request.key_pair(k);
            }
            for (k, v) in tags {
                request = request.tag(k, v);
            }
            let mut node = compute.create_node(&request).await?;
            if wait_for_it {
                node = wait(ctx, &compute, std::slice::from_ref(&node.id), timeout)
                    .await?
                    .remove(0);
            }
            print_nodes(ctx, &[node])
        }
        ComputeCommand::Destroy { ids } => {
            each(ctx, &ids, "destroyed", |id| compute.destroy_node(id)).await
        }
        ComputeCommand::Reboot { ids } => {
            each(ctx, &ids, "rebooting", |id| compute.reboot_node(id)).await
        }
        ComputeCommand::Start { ids } => {
            each(ctx, &ids, "starting", |id| compute.start_node(id)).await
        }
        ComputeCommand::Stop { ids } => {
            each(ctx, &ids, "stopping", |id| compute.stop_node(id)).await
        }
        ComputeCommand::Wait { ids, timeout } => {
            let nodes = wait(ctx, &compute, &ids, timeout).await?;
            print_nodes(ctx, &nodes)
        }
    }
}

/// Applies `action` to each id in turn, stopping at the first failure.
async fn each<'a, F, Fut>(ctx: &Context, ids: &'a [String], verb: &str, action: F) -> Result<()>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for id in ids {
        action(id).await?;
        if !ctx.json {
            println!("{verb} {id}");
        }
    }
    if ctx.json {
        output::json(&serde_json::json!({ "ids": ids }))?;
    }
    Ok(())
}
