"""drf-spectacular: the hotline key as a security scheme of its own."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HotlineKeyScheme(OpenApiAuthenticationExtension):
    target_class = "hotline.authentication.HotlineClientAuthentication"
    name = "hotlineKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Authorization: Hotline <key>（12345 热线客户端密钥，由专班在“12345 热线”页面创建）",
        }
