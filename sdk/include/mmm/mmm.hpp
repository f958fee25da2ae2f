// Everything a plugin needs, in one include.
#pragma once

#include <mmm/abi.hpp>
#include <mmm/auth.hpp>
#include <mmm/bus.hpp>
#include <mmm/channels.hpp>
#include <mmm/config_schema.hpp>
#include <mmm/error.hpp>
#include <mmm/host.hpp>
#include <mmm/http.hpp>
#include <mmm/input.hpp>
#include <mmm/json.hpp>
#include <mmm/moderation.hpp>
#include <mmm/musicians.hpp>
#include <mmm/openapi.hpp>
#include <mmm/plugin.hpp>
#include <mmm/profiles.hpp>
#include <mmm/rate_limit.hpp>
#include <mmm/services.hpp>
#include <mmm/sessions.hpp>
#include <mmm/store.hpp>
#include <mmm/text.hpp>
#include <mmm/time.hpp>

#include <spdlog/logger.h>
#include <yaml-cpp/yaml.h>
