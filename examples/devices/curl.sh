curl -X POST "{{ base_url }}/api/v1/readings" \
  -H "Authorization: Bearer {{ token }}" \
  -H "Content-Type: application/json" \
  -d '{"power_w": 1520.5, "energy_wh": 123456}'
