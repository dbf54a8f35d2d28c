//! What nodes are made from: machine types (of the client's zone) as
//! sizes, images of the project and of the public image projects, zones
//! as locations (the client's zone first).

use cloud_core::http::rest::About;
use cloud_core::{
    Error, NodeImage, NodeLocation, NodeSize, Page, PageRequest, ResourceKind, Result,
};

use super::wire::{Image, List, MachineType, Zone};
use super::{GceCompute, check_name};

impl GceCompute {
    pub(crate) async fn machine_types(&self) -> Result<Vec<NodeSize>> {
        let zone = self.default_zone()?.to_owned();
        check_name("zone", &zone)?;
        let mut sizes = Vec::new();
        let mut page = PageRequest::first();
        loop {
            let segments = ["zones", zone.as_str(), "machineTypes"];
            let list: List<MachineType> = self
                .list_page(None, &segments, &page, "machine type list")
                .await?;
            sizes.extend(list.items.iter().map(|m| m.size(&zone)));
            match list.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => page = page.after(Some(next)),
                None => return Ok(sizes),
            }
        }
    }

    /// The project's images, then each public image project's, current
    /// ones only (deprecated images are left out). The page token is
    /// `project index:that project's page token`.
    pub(crate) async fn images(&self, page: PageRequest) -> Result<Page<NodeImage>> {
        let own = self.shared.project().await?;
        let projects: Vec<&str> = std::iter::once(own.as_str())
            .chain(self.shared.image_projects.iter().map(String::as_str))
            .collect();
        let (index, token) = match page.token.as_deref() {
            None => (0, None),
            Some(text) => {
                let (index, token) = text.split_once(':').unwrap_or((text, ""));
                let index: usize = index.parse().map_err(|_| {
                    Error::invalid_input(format!(
                        "`{}` is not a Compute Engine image page token",
                        cloud_core::error::quote(text)
                    ))
                })?;
                (index, Some(token).filter(|t| !t.is_empty()))
            }
        };
        let Some(project) = projects.get(index) else {
            return Ok(Page::last(Vec::new()));
        };
        let inner = PageRequest::with_size(page.size).after(token.map(str::to_owned));
        let list: List<Image> = self
            .list_page(Some(project), &["global", "images"], &inner, "image list")
            .await?;
        let images = list
            .items
            .iter()
            .filter(|i| i.current())
            .map(Image::image)
            .collect();
        let next = match list.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) => Some(format!("{index}:{next}")),
            None if index + 1 < projects.len() => Some(format!("{}:", index + 1)),
            None => None,
        };
        Ok(Page::new(images, next))
    }

    /// Image `id`: a `projects/p/global/images/[family/]name` path (or its
    /// URL), or a bare name or `family/f` in the client's project. A family
    /// answers its newest current image.
    pub(crate) async fn image(&self, id: &str) -> Result<NodeImage> {
        let path = match id.find("projects/") {
            Some(at) => id[at..].to_owned(),
            None => format!(
                "projects/{}/global/images/{id}",
                self.shared.project().await?
            ),
        };
        let parts: Vec<&str> = path.split('/').collect();
        let valid = matches!(parts.as_slice(),
            ["projects", p, "global", "images", name] if !p.is_empty() && !name.is_empty())
            || matches!(parts.as_slice(),
            ["projects", p, "global", "images", "family", f] if !p.is_empty() && !f.is_empty());
        if !valid {
            return Err(Error::invalid_input(format!(
                "`{}` is not a Compute Engine image (projects/P/global/images/NAME, \
                 projects/P/global/images/family/FAMILY, NAME or family/FAMILY)",
                cloud_core::error::quote(id)
            )));
        }
        let project = parts[1];
        let url = self.url_in(project, &parts[2..], &[]);
        let about = About::reading(ResourceKind::Image, id);
        let image: Image = self.get(url, Some(about), "image").await?;
        Ok(image.image())
    }

    pub(crate) async fn zones(&self) -> Result<Vec<NodeLocation>> {
        let mut zones = Vec::new();
        let mut page = PageRequest::first();
        loop {
            let list: List<Zone> = self.list_page(None, &["zones"], &page, "zone list").await?;
            zones.extend(list.items.iter().map(Zone::location));
            if let Some(next) = list.next_page_token.filter(|t| !t.is_empty()) {
                page = page.after(Some(next));
                continue;
            }
            // The client's zone first: where requests without one go.
            if let Some(zone) = self.shared.zone.as_deref() {
                zones.sort_by_key(|z| z.id != zone);
            }
            return Ok(zones);
        }
    }
}
