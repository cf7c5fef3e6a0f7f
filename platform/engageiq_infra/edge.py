"""Edge: one CloudFront distribution in front of the web bucket and the services.

The API behaviours are generated from `EDGE_ROUTES`, the same table the local edge routes by,
so `/api/files*` reaches the files service here exactly as it does on a laptop. Everything
else is the web app from the web bucket: a CloudFront Function sends client-side routes
(`/chat/<id>`, `/files`, ...) to `index.html`, and the web behaviours carry the app's
Content-Security-Policy (`engageiq_tenancy.web_policy`, the local edge's too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import CustomDomain
from engageiq_infra.policies import deny_insecure_transport, document
from engageiq_tenancy.resources import EDGE_ROUTES, ORIGIN_HEADER, Environment
from engageiq_tenancy.web_policy import CLOUD_CONTENT_SECURITY_POLICY, OTHER_SECURITY_HEADERS

# AWS managed policy ids (stable across accounts; AWS CloudFront developer guide).
CACHING_DISABLED: Final = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED: Final = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Forwards every viewer header (Authorization included) except Host, which must be the
# origin's own name for App Runner and the ECS load balancer to route the request.
ALL_VIEWER_EXCEPT_HOST_HEADER: Final = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# The origin response timeout also bounds every gap between SSE packets; 60 s is the most
# CloudFront allows without a quota request, and the chat service heartbeats well inside it.
ORIGIN_READ_TIMEOUT_SECONDS: Final = 60
MINIMUM_TLS: Final = "TLSv1.2_2021"
WEB_ORIGIN_ID: Final = "web"
# The web app's config.json changes on every deploy; never cache it.
UNCACHED_WEB_PATHS: Final[tuple[str, ...]] = ("/config.json",)
ALL_METHODS: Final = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
READ_METHODS: Final = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS: Final = ["GET", "HEAD"]
HSTS_SECONDS: Final = 63_072_000  # two years, as the HSTS preload list requires
# Viewer-request function of the default (web) behaviour: extensionless paths are the app's
# client-side routes and get index.html (decision 0066).
SPA_ROUTES_FUNCTION: Final = Path(__file__).with_name("spa_routes.js")
CLOUDFRONT_JS_RUNTIME: Final = "cloudfront-js-2.0"


OrderedBehaviour = aws.cloudfront.DistributionOrderedCacheBehaviorArgs


def service_origin_id(service: str) -> str:
    return f"service-{service}"


@dataclass(frozen=True, slots=True)
class EdgeArgs:
    environment: Environment
    web_bucket: aws.s3.Bucket
    web_bucket_public_access_block: aws.s3.BucketPublicAccessBlock
    service_urls: Mapping[str, pulumi.Output[str]]
    """Service -> bare host name."""
    domain: CustomDomain | None
    origin_secret: pulumi.Output[str] | None = None
    """Sent to the service origins in ORIGIN_HEADER (engageiq_infra.origin_secret)."""


class Edge(pulumi.ComponentResource):
    distribution: aws.cloudfront.Distribution
    web_url: pulumi.Output[str]
    us_east_1: aws.Provider

    def __init__(
        self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Edge", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        # CloudFront certificates and metrics live in us-east-1, whatever the stack's region.
        self.us_east_1 = aws.Provider(f"{name}-us-east-1", region="us-east-1", opts=child)
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-web-oac",
            name=f"engageiq-{args.environment}-web",
            description="CloudFront reads the web bucket; nothing else can",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        web_headers = self._security_headers("web", CLOUD_CONTENT_SECURITY_POLICY)
        # The services answer the API (JSON, SSE, and their docs pages) with their own
        # headers; CloudFront adds the transport and framing rules but not the app's CSP.
        api_headers = self._security_headers("api", None)
        spa_routes = self._spa_routes_function()
        certificate_arn = self._certificate(args.domain) if args.domain else None
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"EngageIQ {args.environment}",
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class="PriceClass_100",
            default_root_object="index.html",
            aliases=[args.domain.name, f"*.{args.domain.name}"] if args.domain else None,
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=WEB_ORIGIN_ID,
                    domain_name=args.web_bucket.bucket_regional_domain_name,
                    origin_access_control_id=oac.id,
                ),
                *(
                    self._with_origin_secret(self._service_origin(s, url))
                    for s, url in args.service_urls.items()
                ),
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=WEB_ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=READ_METHODS,
                cached_methods=CACHED_METHODS,
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=web_headers.id,
                compress=True,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request",
                        function_arn=spa_routes.arn,
                    )
                ],
            ),
            ordered_cache_behaviors=[
                *(self._uncached_web(path, web_headers) for path in UNCACHED_WEB_PATHS),
                *(self._api_behaviour(r.path_pattern, r.service, api_headers) for r in EDGE_ROUTES),
            ],
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none",
                ),
            ),
            viewer_certificate=(
                aws.cloudfront.DistributionViewerCertificateArgs(
                    acm_certificate_arn=certificate_arn,
                    ssl_support_method="sni-only",
                    minimum_protocol_version=MINIMUM_TLS,
                )
                if certificate_arn is not None
                # With the default *.cloudfront.net certificate CloudFront applies its own
                # policy whatever is set here; the custom-domain stacks enforce TLS 1.2.
                else aws.cloudfront.DistributionViewerCertificateArgs(
                    cloudfront_default_certificate=True,
                    minimum_protocol_version=MINIMUM_TLS,
                )
            ),
            opts=child,
        )
        self._web_bucket_policy()
        if args.domain:
            self._alias_records(args.domain)
            self.web_url = pulumi.Output.from_input(f"https://{args.domain.name}")
        else:
            self.web_url = self.distribution.domain_name.apply(lambda d: f"https://{d}")
        self.register_outputs(
            {
                "webUrl": self.web_url,
                "distributionId": self.distribution.id,
            }
        )

    @staticmethod
    def _service_origin(
        service: str, url: pulumi.Output[str]
    ) -> aws.cloudfront.DistributionOriginArgs:
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=service_origin_id(service),
            domain_name=url,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80,
                https_port=443,
                origin_protocol_policy="https-only",
                origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=ORIGIN_READ_TIMEOUT_SECONDS,
                origin_keepalive_timeout=ORIGIN_READ_TIMEOUT_SECONDS,
            ),
        )

    def _with_origin_secret(
        self, origin: aws.cloudfront.DistributionOriginArgs
    ) -> aws.cloudfront.DistributionOriginArgs:
        """The service origin with the secret header the services require in the cloud;
        CloudFront overwrites a viewer's header of the same name."""
        if self._args.origin_secret is None:
            return origin
        origin.custom_headers = [
            aws.cloudfront.DistributionOriginCustomHeaderArgs(
                name=ORIGIN_HEADER, value=self._args.origin_secret
            )
        ]
        return origin

    @staticmethod
    def _api_behaviour(
        path_pattern: str, service: str, headers: aws.cloudfront.ResponseHeadersPolicy
    ) -> OrderedBehaviour:
        return OrderedBehaviour(
            path_pattern=path_pattern,
            target_origin_id=service_origin_id(service),
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=ALL_METHODS,
            cached_methods=CACHED_METHODS,
            cache_policy_id=CACHING_DISABLED,
            origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy_id=headers.id,
            # Compression would buffer server-sent events; API bodies are small anyway.
            compress=False,
        )

    @staticmethod
    def _uncached_web(
        path_pattern: str, headers: aws.cloudfront.ResponseHeadersPolicy
    ) -> OrderedBehaviour:
        return OrderedBehaviour(
            path_pattern=path_pattern,
            target_origin_id=WEB_ORIGIN_ID,
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=READ_METHODS,
            cached_methods=CACHED_METHODS,
            cache_policy_id=CACHING_DISABLED,
            response_headers_policy_id=headers.id,
            compress=True,
        )

    def _security_headers(
        self, purpose: str, content_security_policy: str | None
    ) -> aws.cloudfront.ResponseHeadersPolicy:
        """HSTS, no sniffing, no framing and the referrer rule (the values the local edge sends,
        from OTHER_SECURITY_HEADERS), plus the CSP when one is given."""
        args = self._args
        policy = aws.cloudfront
        config = policy.ResponseHeadersPolicySecurityHeadersConfigArgs(
            strict_transport_security=policy.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                access_control_max_age_sec=HSTS_SECONDS,
                include_subdomains=True,
                preload=True,
                override=True,
            ),
            content_type_options=policy.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                override=True
            ),
            frame_options=policy.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                frame_option=OTHER_SECURITY_HEADERS["X-Frame-Options"], override=True
            ),
            referrer_policy=policy.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                referrer_policy=OTHER_SECURITY_HEADERS["Referrer-Policy"], override=True
            ),
            content_security_policy=(
                policy.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                    content_security_policy=content_security_policy, override=True
                )
                if content_security_policy is not None
                else None
            ),
        )
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-{purpose}-security-headers",
            name=f"engageiq-{args.environment}-{purpose}-security-headers",
            comment=f"{purpose}: HSTS, no framing, no sniffing, strict referrer"
            + (", CSP" if content_security_policy else ""),
            security_headers_config=config,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _spa_routes_function(self) -> aws.cloudfront.Function:
        return aws.cloudfront.Function(
            f"{self._name}-spa-routes",
            name=f"engageiq-{self._args.environment}-spa-routes",
            runtime=CLOUDFRONT_JS_RUNTIME,
            comment="Client-side routes of the web app load index.html",
            code=SPA_ROUTES_FUNCTION.read_text(),
            publish=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _certificate(self, domain: CustomDomain) -> pulumi.Output[str]:
        """An ACM certificate in us-east-1 for the domain and `*.<domain>` (tenant subdomains),
        validated through Route 53. Returns the ARN once the certificate is issued."""
        in_us_east_1 = pulumi.ResourceOptions(parent=self, provider=self.us_east_1)
        certificate = aws.acm.Certificate(
            f"{self._name}-certificate",
            domain_name=domain.name,
            subject_alternative_names=[f"*.{domain.name}"],
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            opts=in_us_east_1,
        )
        # The apex and its wildcard share one validation record, so one record validates both.
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{self._name}-certificate-validation-record",
            zone_id=domain.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        validation = aws.acm.CertificateValidation(
            f"{self._name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=in_us_east_1,
        )
        return validation.certificate_arn

    def _alias_records(self, domain: CustomDomain) -> None:
        for host, label in ((domain.name, "apex"), (f"*.{domain.name}", "wildcard")):
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{self._name}-{label}-{record_type.lower()}",
                    zone_id=domain.hosted_zone_id,
                    name=host,
                    type=record_type,
                    aliases=[
                        {
                            "name": self.distribution.domain_name,
                            "zone_id": self.distribution.hosted_zone_id,
                            "evaluate_target_health": False,
                        }
                    ],
                    opts=pulumi.ResourceOptions(parent=self),
                )

    def _web_bucket_policy(self) -> None:
        bucket = self._args.web_bucket
        aws.s3.BucketPolicy(
            f"{self._name}-web-bucket-policy",
            bucket=bucket.id,
            policy=document(
                [
                    deny_insecure_transport(bucket.arn),
                    {
                        "Sid": "CloudFrontReadsThroughOAC",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": bucket.arn.apply(lambda a: f"{a}/*"),
                        # Only this distribution, not any CloudFront distribution in any account.
                        "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
                    },
                ]
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self._args.web_bucket_public_access_block]
            ),
        )
