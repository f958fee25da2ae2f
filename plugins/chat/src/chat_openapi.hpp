// The chat plugin's routes and schemas, as `GET /v1/openapi.json` shows them.
#pragma once

namespace mmm {
class Host;
}

namespace mmm::chat {

/// Declares the schemas and documents every route; after the routes are added.
void describeRoutes(Host& host);

}  // namespace mmm::chat
